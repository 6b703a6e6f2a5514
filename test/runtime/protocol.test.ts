import { describe, expect, test } from 'bun:test';
import {
  createFrameToken,
  createStdoutParser,
  encodeRequestLine,
  encodeScriptInput,
  type StdoutEvent,
} from '../../src/runtime/protocol.ts';

const token = 'a'.repeat(32);
const frame = (value: unknown, withToken = token): string =>
  `\x1e${withToken} ${JSON.stringify(value)}\n`;
const log = { type: 'log', level: 'info', message: 'hi', metadata: null };

function parse(
  chunks: string[],
  limits: { maxLineBytes?: number; maxFrameBytes?: number } = {},
): StdoutEvent[] {
  const events: StdoutEvent[] = [];
  const parser = createStdoutParser({
    token,
    maxLineBytes: limits.maxLineBytes ?? 1024,
    maxFrameBytes: limits.maxFrameBytes ?? 4096,
    onEvent: (event) => events.push(event),
  });
  for (const chunk of chunks) parser.push(Buffer.from(chunk));
  parser.end();
  return events;
}

describe('protocol', () => {
  test('a request line is one JSON object ending in a newline', () => {
    const line = encodeRequestLine({
      id: 'e1',
      request: { method: 'GET', path: '/x', headers: {}, query: { a: '1' }, body: null },
    });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      type: 'request',
      id: 'e1',
      method: 'GET',
      path: '/x',
      headers: {},
      query: { a: '1' },
      body: null,
    });
  });

  test('the script input carries the request without a type or id', () => {
    const input = JSON.parse(
      encodeScriptInput({ method: 'POST', path: '/', headers: {}, query: {}, body: { a: 1 } }),
    );
    expect(input).toEqual({ method: 'POST', path: '/', headers: {}, query: {}, body: { a: 1 } });
  });

  test('frame tokens are 32 fresh hex characters', () => {
    expect(createFrameToken()).toMatch(/^[0-9a-f]{32}$/);
    expect(createFrameToken()).not.toBe(createFrameToken());
  });

  test('frames are split from the program’s own lines', () => {
    const events = parse([`hello\n${frame(log)}world\n`]);
    expect(events).toEqual([
      { kind: 'line', text: 'hello', truncated: false },
      { kind: 'frame', frame: { type: 'log', level: 'info', message: 'hi', metadata: null } },
      { kind: 'line', text: 'world', truncated: false },
    ]);
  });

  test('a frame that starts mid-line ends the text before it as a line', () => {
    const events = parse([`partial${frame(log)}`]);
    expect(events.map((event) => event.kind)).toEqual(['line', 'frame']);
    expect(events[0]).toEqual({ kind: 'line', text: 'partial', truncated: false });
  });

  test('a frame marker and token split across chunks are still recognised', () => {
    const text = `x${frame(log)}`;
    for (let cut = 1; cut < 40; cut += 1) {
      const events = parse([text.slice(0, cut), text.slice(cut)]);
      expect(events.map((event) => event.kind)).toEqual(['line', 'frame']);
    }
  });

  test('a frame with another token is the program’s own output', () => {
    const events = parse([frame(log, 'b'.repeat(32)), '\x1e\n']);
    expect(events).toHaveLength(2);
    expect(events.every((event) => event.kind === 'line')).toBe(true);
  });

  test('a malformed frame is reported as invalid', () => {
    const events = parse([`\x1e${token} {not json\n`, frame({ type: 'response', id: 'e1' })]);
    expect(events.map((event) => event.kind)).toEqual(['invalid-frame', 'invalid-frame']);
  });

  test('response and error frames are checked field by field', () => {
    const response = {
      type: 'response',
      id: 'e1',
      statusCode: 201,
      headers: { a: 'b' },
      body: 'aGk=',
      encoding: 'base64',
    };
    const error = { type: 'error', id: 'e1', message: 'boom', stack: null };
    expect(parse([frame(response), frame(error)])).toEqual([
      { kind: 'frame', frame: response as never },
      { kind: 'frame', frame: error as never },
    ]);
  });

  test('a frame over the frame cap is reported once and skipped without buffering it', () => {
    const big = frame({ ...log, message: 'x'.repeat(10_000) });
    const chunks = big.match(/[\s\S]{1,1000}/g) ?? [];
    const events = parse([...chunks, 'after\n'], { maxFrameBytes: 4096 });
    expect(events).toEqual([
      { kind: 'oversized-frame' },
      { kind: 'line', text: 'after', truncated: false },
    ]);
  });

  test('a line over the line cap is cut and marked truncated', () => {
    const events = parse(['y'.repeat(3000), 'y'.repeat(3000), '\nnext\n'], { maxLineBytes: 1024 });
    expect(events).toEqual([
      { kind: 'line', text: 'y'.repeat(1024), truncated: true },
      { kind: 'line', text: 'next', truncated: false },
    ]);
  });

  test('without a token only lines are split, and blank lines are dropped', () => {
    const events: StdoutEvent[] = [];
    const parser = createStdoutParser({
      token: null,
      maxLineBytes: 100,
      maxFrameBytes: 0,
      onEvent: (e) => events.push(e),
    });
    parser.push(Buffer.from(`a\r\n\n${frame(log)}`));
    parser.end();
    expect(events.map((event) => event.kind)).toEqual(['line', 'line']);
    expect(events[0]).toEqual({ kind: 'line', text: 'a', truncated: false });
  });
});

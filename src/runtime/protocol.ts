/**
 * The execution protocol of docs/protocol.md: request lines for a program's stdin, and a
 * streaming, bounded parser that splits a program's stdout into protocol frames and its own
 * output lines.
 */
import { randomBytes } from 'node:crypto';
import type { FunctionRequest } from './types.ts';

/** The protocol version the platform speaks (`DART_CLOUD_PROTOCOL`). */
export const PROTOCOL_VERSION = '1';

/** The byte that starts every frame (ASCII record separator). */
export const FRAME_MARKER = 0x1e;

/** A log record written through the function's logger. */
export interface LogFrame {
  type: 'log';
  level: 'info' | 'debug' | 'error';
  message: string;
  metadata: Record<string, unknown> | null;
}

/** The handler's answer. `body` is text or base64 as `encoding` says. */
export interface ResponseFrame {
  type: 'response';
  id: string;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  encoding: 'utf8' | 'base64';
}

/** The handler threw. */
export interface ErrorFrame {
  type: 'error';
  id: string;
  message: string;
  stack: string | null;
}

/** Any frame a program may write. */
export type ProtocolFrame = LogFrame | ResponseFrame | ErrorFrame;

/** What the stdout parser reports, in stream order. */
export type StdoutEvent =
  | { kind: 'line'; text: string; truncated: boolean }
  | { kind: 'frame'; frame: ProtocolFrame }
  | { kind: 'invalid-frame'; reason: string }
  | { kind: 'oversized-frame' };

/** A push parser: feed it chunks as they arrive, then `end()` once. */
export interface StdoutParser {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** A fresh random frame token (32 hex characters), one per process. */
export function createFrameToken(): string {
  return randomBytes(16).toString('hex');
}

/** The stdin line that carries one request to a handler program. */
export function encodeRequestLine(options: { id: string; request: FunctionRequest }): string {
  const { id, request } = options;
  return `${JSON.stringify({
    type: 'request',
    id,
    method: request.method,
    path: request.path,
    headers: request.headers,
    query: request.query,
    body: request.body ?? null,
  })}\n`;
}

/** The `FUNCTION_INPUT` value of the script contract. */
export function encodeScriptInput(request: FunctionRequest): string {
  const { method, path, headers, query, body } = request;
  return JSON.stringify({ method, path, headers, query, body: body ?? null });
}

const LEVELS = new Set(['info', 'debug', 'error']);

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((item) => typeof item === 'string');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one frame's JSON text; returns the frame or the reason it is not one. */
export function parseFrame(text: string): ProtocolFrame | { invalid: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { invalid: 'a frame that is not JSON' };
  }
  if (!isObject(value)) return { invalid: 'a frame that is not a JSON object' };

  if (value.type === 'log') {
    const { level, message, metadata } = value;
    if (typeof level !== 'string' || !LEVELS.has(level) || typeof message !== 'string') {
      return { invalid: 'a log frame without a valid level and message' };
    }
    if (metadata !== undefined && metadata !== null && !isObject(metadata)) {
      return { invalid: 'a log frame whose metadata is not an object' };
    }
    return { type: 'log', level: level as LogFrame['level'], message, metadata: metadata ?? null };
  }
  if (value.type === 'response') {
    const { id, statusCode, headers, body, encoding } = value;
    const validStatus =
      typeof statusCode === 'number' &&
      Number.isInteger(statusCode) &&
      statusCode >= 100 &&
      statusCode <= 599;
    if (
      typeof id !== 'string' ||
      !validStatus ||
      !isStringRecord(headers) ||
      typeof body !== 'string'
    ) {
      return { invalid: 'a response frame without a valid id, statusCode, headers and body' };
    }
    if (encoding !== 'utf8' && encoding !== 'base64') {
      return { invalid: `a response frame with encoding ${JSON.stringify(encoding)}` };
    }
    return { type: 'response', id, statusCode, headers, body, encoding };
  }
  if (value.type === 'error') {
    const { id, message, stack } = value;
    if (typeof id !== 'string' || typeof message !== 'string') {
      return { invalid: 'an error frame without an id and message' };
    }
    return { type: 'error', id, message, stack: typeof stack === 'string' ? stack : null };
  }
  return { invalid: `a frame of unknown type ${JSON.stringify(value.type)}` };
}

/** Collects bytes up to a limit; past it, remembers only that it overflowed. */
class BoundedBuffer {
  private parts: Uint8Array[] = [];
  size = 0;
  overflowed = false;

  constructor(private readonly limit: number) {}

  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const room = this.limit - this.size;
    if (bytes.length > room) this.overflowed = true;
    const kept = bytes.length > room ? bytes.subarray(0, Math.max(room, 0)) : bytes;
    if (kept.length === 0) return;
    this.parts.push(Uint8Array.from(kept));
    this.size += kept.length;
  }

  take(): string {
    const text = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.size = 0;
    this.overflowed = false;
    return text;
  }
}

/**
 * A stdout parser. With a `token`, a frame may start anywhere in the stream (text before it
 * ends as a line of its own); without one (the script contract, stderr), it only splits lines.
 * Lines past `maxLineBytes` are cut (`truncated`), frames past `maxFrameBytes` are reported and
 * skipped, so memory stays bounded whatever the program writes.
 */
export function createStdoutParser(options: {
  token: string | null;
  maxLineBytes: number;
  maxFrameBytes: number;
  onEvent: (event: StdoutEvent) => void;
}): StdoutParser {
  const { onEvent } = options;
  const prefix = options.token === null ? null : Buffer.from(`\x1e${options.token} `);
  const line = new BoundedBuffer(options.maxLineBytes);
  const frame = new BoundedBuffer(options.maxFrameBytes);
  let inFrame = false;
  let carry: Buffer | null = null;

  const emitLine = (): void => {
    const truncated = line.overflowed;
    const text = line.take().replace(/\r$/, '');
    if (text.length > 0) onEvent({ kind: 'line', text, truncated });
  };

  const finishFrame = (): void => {
    if (frame.overflowed) {
      frame.take();
      onEvent({ kind: 'oversized-frame' });
      return;
    }
    const parsed = parseFrame(frame.take());
    if ('invalid' in parsed) onEvent({ kind: 'invalid-frame', reason: parsed.invalid });
    else onEvent({ kind: 'frame', frame: parsed });
  };

  const push = (chunk: Uint8Array): void => {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (carry !== null) {
      buf = Buffer.concat([carry, buf]);
      carry = null;
    }
    let pos = 0;
    while (pos < buf.length) {
      const newline = buf.indexOf(10, pos);
      if (inFrame) {
        frame.append(buf.subarray(pos, newline === -1 ? buf.length : newline));
        if (newline === -1) return;
        inFrame = false;
        finishFrame();
        pos = newline + 1;
        continue;
      }

      const marker = prefix === null ? -1 : buf.indexOf(FRAME_MARKER, pos);
      if (prefix !== null && marker !== -1 && (newline === -1 || marker < newline)) {
        const available = buf.length - marker;
        if (available < prefix.length) {
          // The token may continue in the next chunk: keep the undecided tail.
          if (buf.subarray(marker).equals(prefix.subarray(0, available))) {
            line.append(buf.subarray(pos, marker));
            carry = Buffer.from(buf.subarray(marker));
            return;
          }
        } else if (buf.subarray(marker, marker + prefix.length).equals(prefix)) {
          line.append(buf.subarray(pos, marker));
          emitLine();
          inFrame = true;
          pos = marker + prefix.length;
          continue;
        }
        line.append(buf.subarray(pos, marker + 1));
        pos = marker + 1;
        continue;
      }

      if (newline === -1) {
        line.append(buf.subarray(pos));
        return;
      }
      line.append(buf.subarray(pos, newline));
      emitLine();
      pos = newline + 1;
    }
  };

  const end = (): void => {
    if (carry !== null) {
      line.append(carry);
      carry = null;
    }
    if (inFrame) {
      inFrame = false;
      finishFrame();
    }
    emitLine();
  };

  return { push, end };
}

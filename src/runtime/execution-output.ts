/**
 * Turns a program's stdout and stderr into log records (capped per execution) and its answer:
 * a response or error frame (handler contract) or the last stdout line (script contract).
 */
import { createStdoutParser, type StdoutEvent } from './protocol.ts';
import { findInvalidHeader, withTextContentType } from './response-headers.ts';
import type { Contract, FunctionResponse, LogRecord } from './types.ts';

/** What a program answered, before the outcome is decided. */
export type Answer =
  | { kind: 'response'; response: FunctionResponse }
  | { kind: 'error'; message: string; stack: string | null }
  | { kind: 'invalid'; reason: string }
  | { kind: 'too-large' }
  | { kind: 'none' };

/** Everything collected from one execution's output. */
export interface CollectedOutput {
  answer: Answer;
  logs: LogRecord[];
  logsTruncated: boolean;
}

/** Receives the program's output as it arrives; `finish` once the program has ended. */
export interface OutputCollector {
  stdout(chunk: Uint8Array): void;
  stderr(chunk: Uint8Array): void;
  /** `exitedCleanly`: the script contract reads its result only from a program that exited 0. */
  finish(options: { exitedCleanly: boolean }): CollectedOutput;
}

const MAX_LOG_LINE_BYTES = 64 * 1024;
const LINE_CUT_NOTE = ' [line cut at 64 KiB]';

/** Collects log records up to `capBytes` of messages, then one marker line. */
function createLogSink(capBytes: number) {
  const logs: LogRecord[] = [];
  let used = 0;
  let truncated = false;
  const add = (record: Omit<LogRecord, 'timestamp'>): void => {
    if (truncated) return;
    const size =
      Buffer.byteLength(record.message) +
      (record.metadata ? JSON.stringify(record.metadata).length : 0);
    if (used + size > capBytes) {
      truncated = true;
      logs.push({
        timestamp: Date.now(),
        stream: 'stderr',
        level: 'error',
        message: `[dart_cloud] Logs truncated: this execution wrote more than ${formatBytes(capBytes)} of logs; later lines were dropped.`,
      });
      return;
    }
    used += size;
    logs.push({ timestamp: Date.now(), ...record });
  };
  return { add, logs, isTruncated: (): boolean => truncated };
}

/** `1 MiB`, `6 MiB`, `512 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

function decodeBody(body: string, encoding: 'utf8' | 'base64'): Uint8Array {
  return encoding === 'base64' ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

/**
 * Creates the collector for one execution. `onAnswer` fires once, as soon as the answer is
 * known while the program still runs (handler contract only).
 */
export function createOutputCollector(options: {
  contract: Contract;
  executionId: string;
  token: string | null;
  responseCapBytes: number;
  logCapBytes: number;
  onAnswer(answer: Answer): void;
}): OutputCollector {
  const { contract, executionId, responseCapBytes } = options;
  const sink = createLogSink(options.logCapBytes);
  let answer: Answer = { kind: 'none' };
  let lastLine: { text: string; truncated: boolean } | null = null;

  const setAnswer = (next: Answer): void => {
    if (answer.kind !== 'none') return;
    answer = next;
    options.onAnswer(next);
  };

  const logLine = (stream: 'stdout' | 'stderr', text: string, truncated: boolean): void => {
    const cut = truncated || text.length > MAX_LOG_LINE_BYTES;
    const message = cut ? `${text.slice(0, MAX_LOG_LINE_BYTES)}${LINE_CUT_NOTE}` : text;
    sink.add({ stream, level: stream === 'stderr' ? 'error' : 'info', message });
  };

  const onStdoutEvent = (event: StdoutEvent): void => {
    if (event.kind === 'line') {
      if (contract === 'script') {
        if (lastLine !== null) logLine('stdout', lastLine.text, lastLine.truncated);
        lastLine = { text: event.text, truncated: event.truncated };
      } else {
        logLine('stdout', event.text, event.truncated);
      }
      return;
    }
    if (event.kind === 'oversized-frame') return setAnswer({ kind: 'too-large' });
    if (event.kind === 'invalid-frame') return setAnswer({ kind: 'invalid', reason: event.reason });

    const { frame } = event;
    if (frame.type === 'log') {
      sink.add({
        stream: 'logger',
        level: frame.level,
        message: frame.message,
        metadata: frame.metadata,
      });
    } else if (frame.id !== executionId) {
      setAnswer({
        kind: 'invalid',
        reason: `an answer for request '${frame.id}' instead of '${executionId}'`,
      });
    } else if (frame.type === 'error') {
      setAnswer({ kind: 'error', message: frame.message, stack: frame.stack });
    } else {
      const invalidHeader = findInvalidHeader(frame.headers);
      if (invalidHeader !== null) return setAnswer({ kind: 'invalid', reason: invalidHeader });
      const body = decodeBody(frame.body, frame.encoding);
      if (body.length > responseCapBytes) return setAnswer({ kind: 'too-large' });
      const headers =
        frame.encoding === 'utf8' && body.length > 0
          ? withTextContentType(frame.headers)
          : frame.headers;
      setAnswer({ kind: 'response', response: { statusCode: frame.statusCode, headers, body } });
    }
  };

  const stdoutParser = createStdoutParser({
    token: options.token,
    maxLineBytes: contract === 'script' ? responseCapBytes : MAX_LOG_LINE_BYTES,
    maxFrameBytes: 2 * responseCapBytes + 1024 * 1024,
    onEvent: onStdoutEvent,
  });
  const stderrParser = createStdoutParser({
    token: null,
    maxLineBytes: MAX_LOG_LINE_BYTES,
    maxFrameBytes: 0,
    onEvent: (event) => {
      if (event.kind === 'line') logLine('stderr', event.text, event.truncated);
    },
  });

  const resolveScriptAnswer = (exitedCleanly: boolean): Answer => {
    const line = lastLine;
    lastLine = null;
    if (line === null) return { kind: 'none' };
    if (!exitedCleanly) {
      logLine('stdout', line.text, line.truncated);
      return { kind: 'none' };
    }
    if (line.truncated) return { kind: 'too-large' };
    try {
      JSON.parse(line.text);
    } catch {
      logLine('stdout', line.text, false);
      return { kind: 'invalid', reason: 'a last stdout line that is not JSON' };
    }
    const body = Buffer.from(line.text, 'utf8');
    return {
      kind: 'response',
      response: { statusCode: 200, headers: { 'content-type': 'application/json' }, body },
    };
  };

  return {
    stdout: (chunk) => stdoutParser.push(chunk),
    stderr: (chunk) => stderrParser.push(chunk),
    finish({ exitedCleanly }) {
      stdoutParser.end();
      stderrParser.end();
      if (contract === 'script') answer = resolveScriptAnswer(exitedCleanly);
      return { answer, logs: sink.logs, logsTruncated: sink.isTruncated() };
    },
  };
}

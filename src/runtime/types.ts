/** The data that crosses between the server and the runtime (builds and executions). */

/** The two function contracts a Dart package can follow. */
export const Contract = { handler: 'handler', script: 'script' } as const;
export type Contract = (typeof Contract)[keyof typeof Contract];

/** How an execution ended. `success` is the only one where the function answered. */
export const ExecutionStatus = {
  success: 'success',
  /** The handler threw, or a script printed no JSON result. */
  error: 'error',
  timeout: 'timeout',
  /** The program exited (non-zero or without answering) or was killed by a signal. */
  crashed: 'crashed',
  outOfMemory: 'out_of_memory',
  /** The program answered with something that is not a valid protocol frame / JSON. */
  invalidResponse: 'invalid_response',
  responseTooLarge: 'response_too_large',
  /** The server stopped while it ran. */
  interrupted: 'interrupted',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

/** The request a function receives (the `CloudRequest` of the handler contract). */
export interface FunctionRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Decoded JSON for JSON requests, else a string; null when there is no body. */
  body: unknown;
}

/** What a function answered: status, headers and body bytes, passed through intact. */
export interface FunctionResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** One log line of an execution. */
export interface LogRecord {
  /** Unix milliseconds. */
  timestamp: number;
  stream: 'stdout' | 'stderr' | 'logger';
  level: 'info' | 'debug' | 'error';
  message: string;
  metadata?: Record<string, unknown> | null;
}

/** Which limits the host enforced for one execution. */
export interface EnforcedLimits {
  memory: boolean;
  pids: boolean;
  /** The user the program ran as, or null when it ran as the server's own user. */
  user: string | null;
  network: 'host' | 'none';
  cgroup: 'v1' | 'v2' | null;
}

/** The outcome of one execution, as data: callers branch on fields, never on messages. */
export interface ExecutionOutcome {
  status: ExecutionStatus;
  /** Present when status is `success`. */
  response: FunctionResponse | null;
  /** A human message for every non-success status (what happened and what to do). */
  error: string | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  peakMemoryBytes: number | null;
  logs: LogRecord[];
  logsTruncated: boolean;
  limits: EnforcedLimits;
}

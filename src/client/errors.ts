/** Errors the API client throws: an error answer from the server, or no answer at all. */
import { DartCloudError } from '../core/errors.ts';

/** The server answered with an error body `{"error", "details"}` (or a non-JSON failure). */
export class ApiError extends DartCloudError {
  override readonly name = 'ApiError';
  /** The HTTP status code. */
  readonly status: number;
  /** The short title, for example `Not found`. */
  readonly error: string;
  /** What happened and what to do, as the server said it. */
  readonly details: string;
  /** The whole decoded error body (for example `build_log` on a failed build). */
  readonly body: Record<string, unknown>;
  /** The function the request addressed (id or name), when it addressed one. */
  readonly functionRef: string | null;
  /** Seconds from `Retry-After`, when the server sent one. */
  readonly retryAfterSeconds: number | null;

  constructor(options: {
    status: number;
    error: string;
    details: string;
    body?: Record<string, unknown>;
    functionRef?: string | null;
    retryAfterSeconds?: number | null;
  }) {
    super('E_API', `${options.error}: ${options.details}`);
    this.status = options.status;
    this.error = options.error;
    this.details = options.details;
    this.body = options.body ?? {};
    this.functionRef = options.functionRef ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

/** No answer from the server: refused, reset, unknown host, or timed out. */
export class ServerUnreachableError extends DartCloudError {
  override readonly name = 'ServerUnreachableError';
  /** The base address that was tried. */
  readonly server: string;

  constructor(server: string, options?: { cause?: unknown }) {
    super(
      'E_SERVER_UNREACHABLE',
      `Could not reach the dart_cloud server at ${server}; \`dart_cloud serve\` may not be ` +
        'running there. Start it, or pass --server (or set DART_CLOUD_SERVER) to use another address.',
      options,
    );
    this.server = server;
  }
}

/**
 * Domain errors. The core throws these; only the server edge maps them to HTTP statuses and
 * only the CLI edge maps them to messages and exit codes.
 */

/** Base class: every domain error has a stable machine-readable `code`. */
export class DartCloudError extends Error {
  override readonly name: string = 'DartCloudError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Input that fails validation (a bad field, option, name, archive entry, ...). */
export class ValidationError extends DartCloudError {
  override readonly name = 'ValidationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_VALIDATION', message, options);
  }
}

/** Missing, invalid, expired or revoked credentials. */
export class UnauthorizedError extends DartCloudError {
  override readonly name = 'UnauthorizedError';
  constructor(message = 'Invalid or expired token') {
    super('E_UNAUTHORIZED', message);
  }
}

/** Authenticated, but not allowed to do this (for example sign-up is closed). */
export class ForbiddenError extends DartCloudError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super('E_FORBIDDEN', message);
  }
}

/** A resource that does not exist, or that the caller may not see. */
export class NotFoundError extends DartCloudError {
  override readonly name: string = 'NotFoundError';
  constructor(message: string) {
    super('E_NOT_FOUND', message);
  }
}

/** The function does not exist, or belongs to another account. */
export class FunctionNotFoundError extends NotFoundError {
  override readonly name = 'FunctionNotFoundError';
  constructor() {
    super('Function not found');
  }
}

/** A create that collides with an existing resource (for example an email already taken). */
export class ConflictError extends DartCloudError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super('E_CONFLICT', message);
  }
}

/** A request body or upload over its size cap. */
export class PayloadTooLargeError extends DartCloudError {
  override readonly name = 'PayloadTooLargeError';
  constructor(message: string) {
    super('E_PAYLOAD_TOO_LARGE', message);
  }
}

/** An uploaded archive that is refused (unsafe path, link, special file, size, corrupt). */
export class ArchiveRejectedError extends DartCloudError {
  override readonly name = 'ArchiveRejectedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_ARCHIVE_REJECTED', message, options);
  }
}

/** A function package that breaks its contract (no pubspec, no handler class, two of them, ...). */
export class InvalidFunctionError extends DartCloudError {
  override readonly name = 'InvalidFunctionError';
  constructor(message: string) {
    super('E_INVALID_FUNCTION', message);
  }
}

/** `dart pub get` or `dart compile exe` failed; `log` holds the toolchain's output. */
export class BuildFailedError extends DartCloudError {
  override readonly name = 'BuildFailedError';
  readonly log: string;
  constructor(message: string, log: string) {
    super('E_BUILD_FAILED', message);
    this.log = log;
  }
}

/** No Dart SDK could be found on this host. */
export class DartSdkNotFoundError extends DartCloudError {
  override readonly name = 'DartSdkNotFoundError';
  constructor(message: string) {
    super('E_DART_NOT_FOUND', message);
  }
}

/** Too many concurrent executions (or requests); `retryAfterSeconds` goes to `Retry-After`. */
export class TooManyRequestsError extends DartCloudError {
  override readonly name = 'TooManyRequestsError';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 1) {
    super('E_TOO_MANY_REQUESTS', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The server cannot start: its port is taken, its address is bad, its data dir is in use. */
export class ServerStartError extends DartCloudError {
  override readonly name = 'ServerStartError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SERVER_START', message, options);
  }
}

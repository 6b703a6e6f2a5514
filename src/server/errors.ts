/**
 * The one place where errors become HTTP answers: domain errors map to the statuses and
 * `{"error","details"}` bodies of docs/rest-api.md; anything else is a generic 500, logged once.
 */
import type { ConsolaInstance } from 'consola';
import { ValidationError as SchemaValidationError } from 'elysia';
import {
  ArchiveRejectedError,
  BuildFailedError,
  ConflictError,
  DartCloudError,
  DartSdkNotFoundError,
  ForbiddenError,
  InvalidFunctionError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from '../core/errors.ts';

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
  details: string;
  [extra: string]: unknown;
}

/** Answers with an error body as JSON. */
export function errorResponse(
  status: number,
  body: ErrorBody,
  headers: Record<string, string> = {},
): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store', ...headers } });
}

/** Maps a domain error to its answer, or returns null for an error the mapper does not know. */
export function mapDomainError(error: unknown): Response | null {
  if (!(error instanceof DartCloudError)) return null;
  const details = error.message;

  if (error instanceof ValidationError || error instanceof ArchiveRejectedError) {
    return errorResponse(400, { error: 'Invalid request', details });
  }
  if (error instanceof UnauthorizedError)
    return errorResponse(401, { error: 'Unauthorized', details });
  if (error instanceof ForbiddenError) return errorResponse(403, { error: 'Forbidden', details });
  if (error instanceof NotFoundError) return errorResponse(404, { error: 'Not found', details });
  if (error instanceof ConflictError) return errorResponse(409, { error: 'Conflict', details });
  if (error instanceof PayloadTooLargeError)
    return errorResponse(413, { error: 'Payload too large', details });
  if (error instanceof BuildFailedError) {
    return errorResponse(422, { error: 'Build failed', details, build_log: error.log });
  }
  if (error instanceof InvalidFunctionError) {
    return errorResponse(422, { error: 'Build failed', details, build_log: details });
  }
  if (error instanceof TooManyRequestsError) {
    return errorResponse(
      429,
      { error: 'Too many requests', details },
      { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) },
    );
  }
  if (error instanceof DartSdkNotFoundError)
    return errorResponse(503, { error: 'Service unavailable', details });
  return null;
}

/** The answer for an error nobody expected: logged once with its stack, its message kept inside. */
export function internalErrorResponse(
  error: unknown,
  logger: ConsolaInstance,
  where: string,
): Response {
  logger.error(`Unexpected error in ${where}:`, error);
  return errorResponse(500, {
    error: 'Internal server error',
    details: 'An unexpected error occurred',
  });
}

/** The answer for any error: a domain error's, a framework error's, or a generic 500. */
export function mapError(options: {
  error: unknown;
  /** Elysia's classification: `NOT_FOUND`, `PARSE`, `VALIDATION`, ... */
  code: unknown;
  request: Request;
  logger: ConsolaInstance;
}): Response {
  const { error, code, request } = options;
  const mapped = mapDomainError(error);
  if (mapped) return mapped;

  if (code === 'NOT_FOUND')
    return errorResponse(404, { error: 'Not found', details: 'Route not found' });
  if (code === 'PARSE') {
    return errorResponse(400, {
      error: 'Invalid request',
      details: 'The request body could not be parsed',
    });
  }
  if (error instanceof SchemaValidationError) {
    return errorResponse(400, {
      error: 'Invalid request',
      details: error.all[0]?.summary ?? 'Invalid input',
    });
  }
  if (code === 'INVALID_COOKIE_SIGNATURE') {
    return errorResponse(400, {
      error: 'Invalid request',
      details: 'A cookie signature is invalid',
    });
  }
  return internalErrorResponse(
    error,
    options.logger,
    `${request.method} ${new URL(request.url).pathname}`,
  );
}

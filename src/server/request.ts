/** Reading request bodies and query parameters into checked values, with our error shapes. */
import { PayloadTooLargeError, ValidationError } from '../core/errors.ts';
import { describeValue, parseInteger } from '../functions/validate.ts';

/** Caps on request bodies. */
export const BodyLimits = {
  json: 1024 * 1024,
  invoke: 6 * 1024 * 1024,
  archive: 64 * 1024 * 1024,
} as const;

/** Reads a request body as text, refusing more than `maxBytes`. */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  return new TextDecoder().decode(bytes);
}

/** Reads a JSON body; an empty body is `fallback` when given, else an error. */
export async function readJson(
  request: Request,
  options: { maxBytes?: number; fallback?: unknown } = {},
): Promise<unknown> {
  const text = await readText(request, options.maxBytes ?? BodyLimits.json);
  if (text.trim() === '') {
    if (options.fallback !== undefined) return options.fallback;
    throw new ValidationError('Expected a JSON body, got an empty one');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(
      'Expected the body to be valid JSON; check its quotes, commas and braces',
    );
  }
}

/** Reads `limit` and `offset` from a query. */
export function parsePage(
  query: Record<string, string | undefined>,
  limits: { fallback: number; max: number },
): { limit: number; offset: number } {
  return {
    limit: parseInteger(query.limit, {
      name: 'limit',
      min: 1,
      max: limits.max,
      fallback: limits.fallback,
    }),
    offset: parseInteger(query.offset, {
      name: 'offset',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    }),
  };
}

/** Parses a time given as an ISO 8601 string or as Unix milliseconds. */
export function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(time)) {
    throw new ValidationError(
      `Expected ${name} to be an ISO 8601 time such as 2025-01-01T00:00:00Z or Unix milliseconds, got ${describeValue(value)}`,
    );
  }
  return time;
}

/** Renders Unix milliseconds as an ISO 8601 string, keeping null. */
export function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `The request body is over its cap of ${Math.round(maxBytes / 1024 / 1024)} MiB`,
  );
}

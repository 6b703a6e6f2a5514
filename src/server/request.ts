/**
 * Reading request bodies and query parameters into checked values, with our error shapes. A
 * body's declared Content-Length over its cap is refused before anything is read, and a
 * streamed body is cut off as soon as it passes the cap.
 */
import { PayloadTooLargeError, ValidationError } from '../core/errors.ts';
import { describeValue, parseInteger } from '../functions/validate.ts';

/** Caps on request bodies. */
export const BodyLimits = {
  json: 1024 * 1024,
  invoke: 6 * 1024 * 1024,
  archive: 64 * 1024 * 1024,
  /** Room for a multipart body's boundaries and small fields beside the archive. */
  multipartOverhead: 1024 * 1024,
} as const;

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** The largest body any route accepts; a longer declared Content-Length is refused at once. */
export const MAX_BODY_BYTES = BodyLimits.archive + BodyLimits.multipartOverhead;

/** Checks a request's declared Content-Length against a cap; a malformed one is a 400. */
export function checkDeclaredLength(request: Request, maxBytes: number): void {
  const header = request.headers.get('content-length');
  if (header === null) return;
  if (!/^\d+$/.test(header.trim())) {
    throw new ValidationError(
      `Expected Content-Length to be a number of bytes, got '${header.slice(0, 40)}'`,
    );
  }
  if (Number(header) > maxBytes) throw createTooLargeError(maxBytes);
}

/** Reads a request body as bytes, refusing more than `maxBytes` whether declared or streamed. */
export async function readBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  checkDeclaredLength(request, maxBytes);
  if (!request.body) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const next = await reader.read().catch((error: unknown) => {
      throw new ValidationError('The request body ended before it was complete; send it again', {
        cause: error,
      });
    });
    if (next.done) break;
    total += next.value.byteLength;
    if (total > maxBytes) {
      // Stop reading: the rest of an oversized upload never reaches memory.
      void reader.cancel().catch(() => undefined);
      throw createTooLargeError(maxBytes);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}

/** Reads a request body as UTF-8 text under a cap. */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBytes(request, maxBytes));
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
  return parseJsonText(text);
}

/**
 * Parses JSON text whose nesting is at most MAX_JSON_DEPTH. Deeper documents are refused before
 * parsing: the parser copes, but whatever walks the result later (serialisation) recurses.
 */
export function parseJsonText(text: string): unknown {
  const depth = measureJsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new ValidationError(
      `Expected JSON nested at most ${MAX_JSON_DEPTH} levels deep, got more; flatten the body`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(
      'Expected the body to be valid JSON; check its quotes, commas and braces',
    );
  }
}

/** The deepest bracket nesting in JSON text, ignoring brackets inside strings; stops early. */
export function measureJsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > MAX_JSON_DEPTH) return deepest;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** The 413 for a body over `maxBytes`. */
export function createTooLargeError(maxBytes: number): PayloadTooLargeError {
  const cap = `${Math.round(maxBytes / 1024 / 1024)} MiB`;
  return new PayloadTooLargeError(
    maxBytes >= MAX_BODY_BYTES
      ? `The request body is over ${cap}, more than any route takes (a deploy's archive may be at most ${BodyLimits.archive / 1024 / 1024} MiB)`
      : `The request body is over its cap of ${cap}`,
  );
}

/** The query parameters the API reads as one value each; a repeat of one is refused. */
export const SINGLE_QUERY_PARAMS = [
  'limit',
  'offset',
  'after',
  'since',
  'period',
  'wait',
  'execution_id',
] as const;

/**
 * Refuses a repeated single-valued query parameter (`?limit=abc&limit=1`): the router keeps only
 * the last value, so the first would otherwise slip past validation.
 */
export function checkSingleQueryParams(searchParams: URLSearchParams): void {
  for (const name of SINGLE_QUERY_PARAMS) {
    const count = searchParams.getAll(name).length;
    if (count > 1) {
      throw new ValidationError(`Expected one ${name} query parameter, got ${count}`);
    }
  }
}

/** Reads `limit` and `offset` from a query. */
export function parsePage(
  query: Record<string, string | undefined>,
  limits: { fallback: number; max: number },
): { limit: number; offset: number } {
  return {
    limit: parseQueryInteger(query.limit, {
      name: 'limit',
      min: 1,
      max: limits.max,
      fallback: limits.fallback,
    }),
    offset: parseQueryInteger(query.offset, {
      name: 'offset',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      fallback: 0,
    }),
  };
}

/** An optional integer query parameter; given but empty (`?limit=`) is an error, not absent. */
export function parseQueryInteger(
  value: string | undefined,
  options: { name: string; min: number; max: number; fallback: number },
): number {
  if (value === '') throw expectedInteger(options, value);
  return parseInteger(value, options);
}

function expectedInteger(
  options: { name: string; min: number; max: number },
  value: unknown,
): ValidationError {
  return new ValidationError(
    `Expected ${options.name} to be an integer from ${options.min} to ${options.max}, got ${describeValue(value)}`,
  );
}

// The latest time a query may name: the end of year 9999, as 4-digit ISO years allow.
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses a time given as an ISO 8601 string (UTC unless it names a zone) or as Unix
 * milliseconds, from 1970 to the end of 9999; absent is undefined, anything else an error.
 */
export function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const time = /^\d{1,16}$/.test(value) ? Number(value) : parseIsoTime(value);
  if (time === null || !Number.isSafeInteger(time) || time < 0 || time > MAX_TIME) {
    throw new ValidationError(
      `Expected ${name} to be an ISO 8601 time from 1970 to 9999 such as 2025-01-01T00:00:00Z, or Unix milliseconds, got ${describeValue(value)}`,
    );
  }
  return time;
}

/** A strict ISO 8601 date or date-time, or null; `2025-02-30` is null, not March 2nd. */
function parseIsoTime(value: string): number | null {
  const match = ISO_TIME.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, zone] = match;
  const date = `${year}-${month}-${day}`;
  const time = hour === undefined ? '00:00:00' : `${hour}:${minute}:${second ?? '00'}`;
  const parsed = Date.parse(`${date}T${time}${fraction(value)}${normalizeZone(zone)}`);
  if (Number.isNaN(parsed)) return null;

  // Date.parse rolls impossible days and hours over; a time that does not read back is refused.
  const check = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const sameDay =
    check.getUTCFullYear() === Number(year) &&
    check.getUTCMonth() === Number(month) - 1 &&
    check.getUTCDate() === Number(day);
  const validClock =
    hour === undefined || (Number(hour) < 24 && Number(minute) < 60 && Number(second ?? 0) < 60);
  return sameDay && validClock ? parsed : null;
}

function fraction(value: string): string {
  return /:\d{2}(\.\d{1,9})/.exec(value)?.[1]?.slice(0, 4) ?? '';
}

function normalizeZone(zone: string | undefined): string {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** Renders Unix milliseconds as an ISO 8601 string, keeping null. */
export function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

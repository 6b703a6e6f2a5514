/** Input checks shared by the services; each throws a ValidationError that says what was expected. */
import { ValidationError } from '../core/errors.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const FUNCTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
// The shape of a function id (src/functions/ids.ts); a name of that shape could shadow an id.
const FUNCTION_ID_LIKE = /^fn_[0-9a-f]{24}$/i;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// `__proto__` cannot be a key of the plain objects an environment travels in.
const RESERVED_ENV_KEYS = new Set([
  'PATH',
  'HOME',
  'TMPDIR',
  'LANG',
  'FUNCTION_INPUT',
  '__proto__',
]);
const MAX_ENV_VALUE_BYTES = 32 * 1024;
// Linux refuses to start a program whose environment passes about 2 MiB; the platform's own
// variables and a script's FUNCTION_INPUT (up to 128 KiB) need room beside the function's.
const MAX_ENV_TOTAL_BYTES = 1024 * 1024;

/** Limits a deploy may ask for. */
export const DeployLimits = {
  memoryMb: { min: 64, max: 16384, fallback: 512 },
  timeoutSeconds: { min: 1, max: 900, fallback: 30 },
} as const;

/** Renders a received value for an error message, briefly. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return value.length > 40 ? `'${value.slice(0, 40)}…'` : `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Checks that a value is a plain JSON object. */
export function parseObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`Expected ${what} to be a JSON object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Checks that a value is a JSON object with no fields but `allowed`, so typos do not pass. */
export function parseFields(
  value: unknown,
  options: { what: string; allowed: readonly string[] },
): Record<string, unknown> {
  const object = parseObject(value, options.what);
  const unknown = Object.keys(object).find((key) => !options.allowed.includes(key));
  if (unknown !== undefined) {
    throw new ValidationError(
      `Unknown field ${describeValue(unknown)} in ${options.what}; expected only ${options.allowed.join(', ')}`,
    );
  }
  return object;
}

/** Checks an email address and normalizes it to lower case. */
export function parseEmail(value: unknown): string {
  if (value === undefined) throw new ValidationError('Missing required field: email');
  if (typeof value !== 'string' || value.length > 254 || !EMAIL.test(value.trim())) {
    throw new ValidationError(
      `Expected email to be an address such as dev@example.com, got ${describeValue(value)}`,
    );
  }
  return value.trim().toLowerCase();
}

/** Checks a password's type and length (8 to 256 characters). */
export function parsePassword(value: unknown): string {
  if (value === undefined) throw new ValidationError('Missing required field: password');
  if (typeof value !== 'string') {
    throw new ValidationError(
      `Expected password to be a string, got ${describeValue(typeof value)}`,
    );
  }
  if (value.length < 8 || value.length > 256) {
    throw new ValidationError(`Expected password to have 8 to 256 characters, got ${value.length}`);
  }
  return value;
}

/**
 * Checks a function name: 1 to 64 letters, digits, `-` and `_`, starting with a letter or digit,
 * and not of a function id's shape (`fn_` and 24 hex digits).
 */
export function parseFunctionName(value: unknown): string {
  if (value === undefined || value === '')
    throw new ValidationError('Missing required field: name');
  if (typeof value !== 'string' || !FUNCTION_NAME.test(value)) {
    throw new ValidationError(
      `Expected name to be 1 to 64 letters, digits, '-' or '_' starting with a letter or digit, got ${describeValue(value)}`,
    );
  }
  if (FUNCTION_ID_LIKE.test(value)) {
    throw new ValidationError(
      `Expected a name that does not look like a function id (fn_ and 24 hex digits), got '${value}'; commands take an id or a name, so choose another name`,
    );
  }
  return value;
}

/** Checks an environment variable name against the naming rules and the reserved names. */
export function parseEnvKey(value: unknown): string {
  if (typeof value !== 'string' || !ENV_KEY.test(value)) {
    throw new ValidationError(
      `Expected an env var name matching [A-Za-z_][A-Za-z0-9_]* (at most 128 characters), got ${describeValue(value)}`,
    );
  }
  if (value.startsWith('DART_CLOUD_') || RESERVED_ENV_KEYS.has(value)) {
    throw new ValidationError(
      `The env var name '${value}' is reserved by the platform; choose another name`,
    );
  }
  return value;
}

/** Checks an environment variable value: a string of at most 32 KiB. */
export function parseEnvValue(key: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new ValidationError(
      `Expected the value of ${key} to be a string, got ${describeValue(value)}`,
    );
  }
  if (value.includes('\0')) {
    throw new ValidationError(
      `Expected the value of ${key} to hold no NUL characters, which an environment cannot carry`,
    );
  }
  if (Buffer.byteLength(value) > MAX_ENV_VALUE_BYTES) {
    throw new ValidationError(`Expected the value of ${key} to be at most 32 KiB`);
  }
  return value;
}

/** Checks a whole env map `{KEY: "value"}`. */
export function parseEnvMap(value: unknown): Record<string, string> {
  const object = parseObject(value, 'env');
  const env: Record<string, string> = {};
  for (const [key, raw] of Object.entries(object)) env[parseEnvKey(key)] = parseEnvValue(key, raw);
  return checkEnvTotal(env);
}

/** The bytes one variable takes in an environment: `KEY=value` and its terminator. */
export function measureEnvEntry(key: string, valueBytes: number): number {
  return Buffer.byteLength(key) + valueBytes + 2;
}

/** Checks that a function's whole env (names and values) fits in 1 MiB; answers it. */
export function checkEnvTotal(env: Record<string, string>, otherBytes = 0): Record<string, string> {
  let total = otherBytes;
  for (const [key, value] of Object.entries(env)) {
    total += measureEnvEntry(key, Buffer.byteLength(value));
  }
  if (total > MAX_ENV_TOTAL_BYTES) {
    throw new ValidationError(
      `Expected a function's env vars to take at most 1 MiB in all, got ${Math.ceil(total / 1024)} KiB; keep large values in files of the package`,
    );
  }
  return env;
}

/** Parses an optional integer (a number or its decimal text) within bounds. */
export function parseInteger(
  value: unknown,
  options: { name: string; min: number; max: number; fallback: number; unit?: string },
): number {
  if (value === undefined || value === null || value === '') return options.fallback;
  const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (
    typeof number !== 'number' ||
    !Number.isInteger(number) ||
    number < options.min ||
    number > options.max
  ) {
    const unit = options.unit ? ` ${options.unit}` : '';
    throw new ValidationError(
      `Expected ${options.name} to be an integer from ${options.min} to ${options.max}${unit}, got ${describeValue(value)}`,
    );
  }
  return number;
}

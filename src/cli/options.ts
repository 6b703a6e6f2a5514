/** Parsers for command-line option values; each throws a `ValidationError` naming the option. */
import { ValidationError } from '../core/errors.ts';
import { parseEnvKey, parseEnvValue } from '../functions/validate.ts';

const SIZE_UNITS_MB: Record<string, number> = {
  '': 1,
  m: 1,
  mb: 1,
  mib: 1,
  g: 1024,
  gb: 1024,
  gib: 1024,
};

/** A memory size in whole megabytes: `512`, `512MB`, `512M`, `1GB`, `1.5G`. */
export function parseSize(options: { option: string; value: string }): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(options.value.trim());
  const factor = match ? SIZE_UNITS_MB[(match[2] ?? '').toLowerCase()] : undefined;
  const megabytes = match && factor !== undefined ? Number(match[1]) * factor : Number.NaN;
  if (!Number.isInteger(megabytes) || megabytes <= 0) {
    throw new ValidationError(
      `Expected ${options.option} to be a size such as 512MB or 1GB, got '${options.value}'`,
    );
  }
  return megabytes;
}

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A duration in milliseconds: `30s`, `2m`, `1h30m`, `500ms`; a bare number means `unit`. */
export function parseDurationMs(options: {
  option: string;
  value: string;
  unit?: 's' | 'ms';
}): number {
  const value = options.value.trim();
  const fail = (): never => {
    throw new ValidationError(
      `Expected ${options.option} to be a duration such as 30s or 2m, got '${options.value}'`,
    );
  };

  if (/^\d+(\.\d+)?$/.test(value)) {
    const ms = Number(value) * (options.unit === 'ms' ? 1 : 1000);
    return ms > 0 ? ms : fail();
  }

  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/gi)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== value.replace(/\s+/g, '')) {
    return fail();
  }
  let total = 0;
  for (const part of parts) {
    const factor = DURATION_UNITS_MS[(part[2] ?? '').toLowerCase()];
    if (factor === undefined) return fail();
    total += Number(part[1]) * factor;
  }
  return total > 0 ? total : fail();
}

/** A timeout in whole seconds: `30`, `30s`, `2m`. */
export function parseTimeoutSeconds(options: { option: string; value: string }): number {
  const ms = parseDurationMs(options);
  if (ms % 1000 !== 0) {
    throw new ValidationError(
      `Expected ${options.option} to be a whole number of seconds such as 30s or 2m, got '${options.value}'`,
    );
  }
  return ms / 1000;
}

/** A positive whole number within `max`. */
export function parsePositiveInt(options: { option: string; value: string; max?: number }): number {
  const value = options.value.trim();
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (
    !Number.isSafeInteger(number) ||
    number < 1 ||
    number > (options.max ?? Number.MAX_SAFE_INTEGER)
  ) {
    const range =
      options.max === undefined
        ? 'a positive whole number'
        : `a whole number from 1 to ${options.max}`;
    throw new ValidationError(`Expected ${options.option} to be ${range}, got '${options.value}'`);
  }
  return number;
}

/** A TCP port, 0 (any free port) to 65535. */
export function parsePort(options: { option: string; value: string }): number {
  const value = options.value.trim();
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number > 65_535) {
    throw new ValidationError(
      `Expected ${options.option} to be a port from 0 to 65535, got '${options.value}'`,
    );
  }
  return number;
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `KEY=VALUE` pairs into an object; the value may contain `=` and may be empty. */
export function parseEnvPairs(options: {
  option: string;
  values: string[];
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of options.values) {
    const separator = pair.indexOf('=');
    const key = separator === -1 ? pair : pair.slice(0, separator);
    if (separator === -1 || !ENV_KEY.test(key)) {
      throw new ValidationError(
        `Expected ${options.option} to be KEY=VALUE with a KEY of letters, digits and _, got '${pair}'`,
      );
    }
    // The server's rule, checked here too so a reserved name fails before the upload.
    env[parseEnvKey(key)] = parseEnvValue(key, pair.slice(separator + 1));
  }
  return env;
}

/** One of a fixed set of values. */
export function parseChoice<const T extends string>(options: {
  option: string;
  value: string;
  choices: readonly T[];
}): T {
  const choice = options.choices.find((candidate) => candidate === options.value);
  if (choice === undefined) {
    throw new ValidationError(
      `Expected ${options.option} to be one of ${options.choices.join(', ')}, got '${options.value}'`,
    );
  }
  return choice;
}

/**
 * A point in time for `--since`: an ISO time, Unix milliseconds, or a span back from `now`
 * such as `10m` or `2h`. Returns an ISO string.
 */
export function parseSince(options: { option: string; value: string; now?: Date }): string {
  const value = options.value.trim();
  // Unix milliseconds up to the end of year 9999, the latest time the server takes.
  if (/^\d{10,16}$/.test(value) && Number(value) <= 253_402_300_799_999) {
    return new Date(Number(value)).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return new Date(time).toISOString();
  }
  try {
    const spanMs = parseDurationMs({ option: options.option, value, unit: 's' });
    if (!/^\d+(\.\d+)?$/.test(value)) {
      return new Date((options.now ?? new Date()).getTime() - spanMs).toISOString();
    }
  } catch {
    // Not a span either: fall through to the message that lists all three forms.
  }
  throw new ValidationError(
    `Expected ${options.option} to be an ISO time (2025-01-01T00:00:00Z), Unix milliseconds or a span such as 10m, got '${options.value}'`,
  );
}

/**
 * Every value of a repeatable option (`--env A=1 --env B=2`, `--env=A=1`), read from the raw
 * arguments because the argument parser keeps only the last one.
 */
export function collectRepeated(options: { rawArgs: string[]; name: string }): string[] {
  const flag = `--${options.name}`;
  const values: string[] = [];
  for (let index = 0; index < options.rawArgs.length; index++) {
    const arg = options.rawArgs[index] ?? '';
    if (arg === '--') break;
    if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
    else if (arg === flag) {
      const next = options.rawArgs[index + 1];
      if (next === undefined) throw new ValidationError(`Expected a value after ${flag}`);
      values.push(next);
      index++;
    }
  }
  return values;
}

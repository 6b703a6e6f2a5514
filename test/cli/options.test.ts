import { describe, expect, test } from 'bun:test';
import {
  collectRepeated,
  parseChoice,
  parseDurationMs,
  parseEnvPairs,
  parsePort,
  parsePositiveInt,
  parseSince,
  parseSize,
  parseTimeoutSeconds,
} from '../../src/cli/options.ts';
import { ValidationError } from '../../src/core/errors.ts';

describe('parseSize', () => {
  test('reads bare numbers as megabytes', () => {
    expect(parseSize({ option: '--memory', value: '512' })).toBe(512);
  });

  test('reads MB, M, GB and G in any case', () => {
    expect(parseSize({ option: '--memory', value: '512MB' })).toBe(512);
    expect(parseSize({ option: '--memory', value: '256m' })).toBe(256);
    expect(parseSize({ option: '--memory', value: '1GB' })).toBe(1024);
    expect(parseSize({ option: '--memory', value: '2g' })).toBe(2048);
    expect(parseSize({ option: '--memory', value: '1.5GB' })).toBe(1536);
  });

  test('rejects unknown units, zero and fractions of a megabyte with the value in the message', () => {
    expect(() => parseSize({ option: '--memory', value: '12xx' })).toThrow(
      "Expected --memory to be a size such as 512MB or 1GB, got '12xx'",
    );
    expect(() => parseSize({ option: '--memory', value: '0' })).toThrow(ValidationError);
    expect(() => parseSize({ option: '--memory', value: '0.5MB' })).toThrow(ValidationError);
    expect(() => parseSize({ option: '--memory', value: '' })).toThrow(ValidationError);
    expect(() => parseSize({ option: '--memory', value: '-1' })).toThrow(ValidationError);
  });
});

describe('parseDurationMs and parseTimeoutSeconds', () => {
  test('read bare numbers as seconds', () => {
    expect(parseTimeoutSeconds({ option: '--timeout', value: '30' })).toBe(30);
  });

  test('read s, m, h and combinations', () => {
    expect(parseTimeoutSeconds({ option: '--timeout', value: '30s' })).toBe(30);
    expect(parseTimeoutSeconds({ option: '--timeout', value: '2m' })).toBe(120);
    expect(parseTimeoutSeconds({ option: '--timeout', value: '1h' })).toBe(3600);
    expect(parseTimeoutSeconds({ option: '--timeout', value: '1m30s' })).toBe(90);
    expect(parseDurationMs({ option: '--interval', value: '250ms' })).toBe(250);
  });

  test('rejects garbage, zero and units it does not know', () => {
    expect(() => parseTimeoutSeconds({ option: '--timeout', value: 'soon' })).toThrow(
      "Expected --timeout to be a duration such as 30s or 2m, got 'soon'",
    );
    expect(() => parseTimeoutSeconds({ option: '--timeout', value: '0s' })).toThrow(
      ValidationError,
    );
    expect(() => parseTimeoutSeconds({ option: '--timeout', value: '3y' })).toThrow(
      ValidationError,
    );
    expect(() => parseTimeoutSeconds({ option: '--timeout', value: '30s!' })).toThrow(
      ValidationError,
    );
  });

  test('timeouts refuse fractions of a second', () => {
    expect(() => parseTimeoutSeconds({ option: '--timeout', value: '1500ms' })).toThrow(
      'whole number of seconds',
    );
  });
});

describe('parseEnvPairs', () => {
  test('splits at the first equals sign and keeps empty values', () => {
    expect(
      parseEnvPairs({
        option: '--env',
        values: ['DATABASE_URL=postgresql://u:p@h/db?a=b', 'EMPTY='],
      }),
    ).toEqual({ DATABASE_URL: 'postgresql://u:p@h/db?a=b', EMPTY: '' });
  });

  test('rejects a pair without a value or with a bad key', () => {
    expect(() => parseEnvPairs({ option: '--env', values: ['NOVALUE'] })).toThrow("got 'NOVALUE'");
    expect(() => parseEnvPairs({ option: '--env', values: ['1BAD=x'] })).toThrow(ValidationError);
    expect(() => parseEnvPairs({ option: '--env', values: ['=x'] })).toThrow(ValidationError);
  });
});

describe('collectRepeated', () => {
  test('collects every occurrence in both spellings, up to --', () => {
    const rawArgs = ['./fn', '--env', 'A=1', '--name', 'x', '--env=B=2', '--', '--env', 'C=3'];
    expect(collectRepeated({ rawArgs, name: 'env' })).toEqual(['A=1', 'B=2']);
  });

  test('throws when the flag ends the line without a value', () => {
    expect(() => collectRepeated({ rawArgs: ['--env'], name: 'env' })).toThrow(
      'Expected a value after --env',
    );
  });
});

describe('parseChoice, parsePositiveInt and parsePort', () => {
  test('parseChoice accepts listed values and names them all when it refuses', () => {
    expect(parseChoice({ option: '--format', value: 'json', choices: ['table', 'json'] })).toBe(
      'json',
    );
    expect(() =>
      parseChoice({ option: '--format', value: 'yaml', choices: ['table', 'json'] }),
    ).toThrow("Expected --format to be one of table, json, got 'yaml'");
  });

  test('parsePositiveInt keeps to its range', () => {
    expect(parsePositiveInt({ option: '--limit', value: '10', max: 100 })).toBe(10);
    expect(() => parsePositiveInt({ option: '--limit', value: '0', max: 100 })).toThrow(
      'from 1 to 100',
    );
    expect(() => parsePositiveInt({ option: '--limit', value: '101', max: 100 })).toThrow(
      ValidationError,
    );
    expect(() => parsePositiveInt({ option: '--limit', value: '1.5' })).toThrow(ValidationError);
    expect(() => parsePositiveInt({ option: '--limit', value: 'ten' })).toThrow(ValidationError);
  });

  test('parsePort accepts 0 for any free port and refuses out-of-range ports', () => {
    expect(parsePort({ option: '--port', value: '0' })).toBe(0);
    expect(parsePort({ option: '--port', value: '8080' })).toBe(8080);
    expect(() => parsePort({ option: '--port', value: '65536' })).toThrow(ValidationError);
    expect(() => parsePort({ option: '--port', value: 'http' })).toThrow(ValidationError);
  });
});

describe('parseSince', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');

  test('reads ISO times, Unix milliseconds and spans back from now', () => {
    expect(parseSince({ option: '--since', value: '2025-01-01T00:00:00Z', now })).toBe(
      '2025-01-01T00:00:00.000Z',
    );
    expect(parseSince({ option: '--since', value: '1735689600000', now })).toBe(
      '2025-01-01T00:00:00.000Z',
    );
    expect(parseSince({ option: '--since', value: '10m', now })).toBe('2026-01-02T02:54:05.000Z');
  });

  test('rejects values that are none of the three', () => {
    expect(() => parseSince({ option: '--since', value: 'yesterday', now })).toThrow(
      "got 'yesterday'",
    );
    expect(() => parseSince({ option: '--since', value: '30', now })).toThrow(ValidationError);
  });
});

describe('parseSince with hostile values', () => {
  test('refuses Unix milliseconds past year 9999 with what was expected instead of crashing', () => {
    for (const value of ['99999999999999999', '253402300800000', '9'.repeat(400)]) {
      expect(() => parseSince({ option: '--since', value })).toThrow(
        `Expected --since to be an ISO time (2025-01-01T00:00:00Z), Unix milliseconds or a span such as 10m, got '${value}'`,
      );
    }
    expect(parseSince({ option: '--since', value: '253402300799999' })).toBe(
      '9999-12-31T23:59:59.999Z',
    );
  });
});

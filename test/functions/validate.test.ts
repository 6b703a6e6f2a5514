import { describe, expect, test } from 'bun:test';
import { ValidationError } from '../../src/core/errors.ts';
import {
  parseEmail,
  parseEnvKey,
  parseEnvMap,
  parseEnvValue,
  parseFunctionName,
  parseInteger,
  parsePassword,
} from '../../src/functions/validate.ts';

describe('input validation', () => {
  test('an email is trimmed and lower-cased, and a implausible one is refused', () => {
    expect(parseEmail('  Dev@Example.COM ')).toBe('dev@example.com');
    for (const bad of [
      'dev',
      'dev@',
      '@example.com',
      'a b@example.com',
      `${'a'.repeat(250)}@x.io`,
      5,
    ]) {
      expect(() => parseEmail(bad)).toThrow(ValidationError);
    }
    expect(() => parseEmail(undefined)).toThrow('Missing required field: email');
  });

  test('a password needs 8 to 256 characters', () => {
    expect(parsePassword('12345678')).toBe('12345678');
    expect(() => parsePassword('1234567')).toThrow('8 to 256 characters, got 7');
    expect(() => parsePassword('x'.repeat(257))).toThrow(ValidationError);
  });

  test('a function name is 1 to 64 letters, digits, - and _ starting with a letter or digit', () => {
    for (const good of ['a', 'hello-world', 'fn_2', '9lives', 'x'.repeat(64)])
      expect(parseFunctionName(good)).toBe(good);
    for (const bad of ['-a', '_a', 'a b', 'a/b', 'x'.repeat(65), '../x', 3]) {
      expect(() => parseFunctionName(bad)).toThrow(ValidationError);
    }
    expect(() => parseFunctionName('')).toThrow('Missing required field: name');
  });

  test("a function name of a function id's shape is refused", () => {
    for (const idLike of ['fn_3f9c2a1b7d4e5f60a1b2c3d4', 'FN_3F9C2A1B7D4E5F60A1B2C3D4']) {
      expect(() => parseFunctionName(idLike)).toThrow('does not look like a function id');
    }
    expect(parseFunctionName('fn_3f9c2a1b7d4e5f60a1b2c3d4x')).toBe('fn_3f9c2a1b7d4e5f60a1b2c3d4x');
  });

  test('env names follow the rules and reserved names are refused with a reason', () => {
    expect(parseEnvKey('API_KEY')).toBe('API_KEY');
    expect(parseEnvKey('_x1')).toBe('_x1');
    for (const bad of ['1A', 'A-B', '', 'x'.repeat(129)])
      expect(() => parseEnvKey(bad)).toThrow(ValidationError);
    for (const reserved of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'FUNCTION_INPUT', 'DART_CLOUD_ANY']) {
      expect(() => parseEnvKey(reserved)).toThrow('reserved');
    }
  });

  test('env values are strings of at most 32 KiB', () => {
    expect(parseEnvValue('K', '')).toBe('');
    expect(() => parseEnvValue('K', 1)).toThrow(
      'Expected the value of K to be a string, got number 1',
    );
    expect(() => parseEnvValue('K', 'x'.repeat(32 * 1024 + 1))).toThrow('32 KiB');
    expect(parseEnvMap({ A: '1', B: '2' })).toEqual({ A: '1', B: '2' });
    expect(() => parseEnvMap(['A'])).toThrow('Expected env to be a JSON object, got an array');
  });

  test('integers parse from numbers and decimal text within bounds, else fall back', () => {
    const bounds = { name: 'memory', min: 64, max: 1024, fallback: 512, unit: 'MB' };
    expect(parseInteger(undefined, bounds)).toBe(512);
    expect(parseInteger('', bounds)).toBe(512);
    expect(parseInteger('128', bounds)).toBe(128);
    expect(parseInteger(256, bounds)).toBe(256);
    expect(() => parseInteger('12xx', bounds)).toThrow(
      "Expected memory to be an integer from 64 to 1024 MB, got '12xx'",
    );
    expect(() => parseInteger(1.5, bounds)).toThrow(ValidationError);
    expect(() => parseInteger('2048', bounds)).toThrow(ValidationError);
  });
});

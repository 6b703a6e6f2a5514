import { describe, expect, test } from 'bun:test';
import { ValidationError } from '../../src/core/errors.ts';
import { validateServerOptions } from '../../src/server/config.ts';

const base = { host: '127.0.0.1', port: 8080, dataDir: '/tmp/dc', allowSignup: false };

describe('server options', () => {
  test('valid options come back checked, with defaults filled in', () => {
    expect(validateServerOptions({ ...base, dataDir: 'rel/dir' })).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: `${process.cwd()}/rel/dir`,
      allowSignup: false,
      dartPath: undefined,
      runAsUser: 'nobody',
      maxConcurrentPerFunction: 10,
      rateLimits: { perMinute: 60, perHour: 1000 },
      trustProxy: false,
    });
    expect(validateServerOptions({ ...base, host: '::1', port: 0 }).port).toBe(0);
  });

  test('each bad option is named in the message with what came', () => {
    expect(() => validateServerOptions({ ...base, port: 70000 })).toThrow(
      'Expected --port to be an integer from 0 to 65535, got number 70000',
    );
    expect(() => validateServerOptions({ ...base, host: 'a b' })).toThrow('--host');
    expect(() => validateServerOptions({ ...base, dataDir: ' ' })).toThrow('--data-dir');
    expect(() => validateServerOptions({ ...base, maxConcurrentPerFunction: 0 })).toThrow(
      ValidationError,
    );
    expect(() => validateServerOptions({ ...base, dartPath: '' })).toThrow('--dart');
    expect(() => validateServerOptions({ ...base, rateLimitPerMinute: -1 })).toThrow(
      'Expected --rate-limit-minute to be a number of requests from 0 (no limit) to 1000000000, got number -1',
    );
    expect(() => validateServerOptions({ ...base, rateLimitPerHour: 1.5 })).toThrow(
      '--rate-limit-hour',
    );
  });

  const asRoot = process.getuid?.() === 0;
  test.skipIf(!asRoot)('a root server refuses a --run-as user that does not exist', () => {
    expect(() => validateServerOptions({ ...base, runAsUser: 'no-such-user-here' })).toThrow(
      "Expected --run-as to name a user of this host (in /etc/passwd), got 'no-such-user-here'",
    );
    expect(validateServerOptions({ ...base, runAsUser: 'nobody' }).runAsUser).toBe('nobody');
  });

  test('rate limits and the proxy setting pass through, and 0 turns a window off', () => {
    const config = validateServerOptions({
      ...base,
      rateLimitPerMinute: 0,
      rateLimitPerHour: 5000,
      trustProxy: true,
    });
    expect(config.rateLimits).toEqual({ perMinute: 0, perHour: 5000 });
    expect(config.trustProxy).toBe(true);
  });
});

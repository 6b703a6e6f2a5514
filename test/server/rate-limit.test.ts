import { describe, expect, test } from 'bun:test';
import { TooManyRequestsError } from '../../src/core/errors.ts';
import { createRateLimiter } from '../../src/server/rate-limit.ts';
import { createTestApp } from '../helpers/in-process.ts';

describe('rate limits', () => {
  test('a key over its per-minute limit is refused with the seconds to wait, and allowed again after the window', () => {
    let now = 0;
    const limit = createRateLimiter({ limits: { perMinute: 2, perHour: 100 }, now: () => now });
    limit('a');
    limit('a');
    limit('b');
    expect(() => limit('a')).toThrow(TooManyRequestsError);
    now = 45_000;
    const refused = (() => {
      try {
        limit('a');
        return null;
      } catch (error) {
        return error as TooManyRequestsError;
      }
    })();
    expect(refused?.retryAfterSeconds).toBe(15);
    now = 60_000;
    expect(() => limit('a')).not.toThrow();
  });

  test('the hourly limit holds across minutes', () => {
    let now = 0;
    const limit = createRateLimiter({ limits: { perMinute: 10, perHour: 3 }, now: () => now });
    for (let i = 0; i < 3; i++) {
      limit('a');
      now += 61_000;
    }
    expect(() => limit('a')).toThrow(TooManyRequestsError);
  });

  test('login attempts over the limit answer 429 with Retry-After', async () => {
    const t = await createTestApp({ rateLimits: { perMinute: 3, perHour: 100 } });
    try {
      const login = () =>
        t.request('POST', '/api/auth/login', {
          json: { email: 'x@example.com', password: 'wrong-password' },
        });
      for (let i = 0; i < 3; i++) expect((await login()).status).toBe(401);
      const refused = await login();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: string }).error).toBe('Too many requests');
      expect((await t.request('GET', '/api/health')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

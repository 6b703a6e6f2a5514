import { describe, expect, test } from 'bun:test';
import { createRateLimiter, renderRateLimitHeaders } from '../../src/server/rate-limit.ts';
import { createTestApp } from '../helpers/in-process.ts';

describe('rate limiter', () => {
  test('a key over its per-minute limit is refused with the seconds to wait, and allowed again after the window', () => {
    let now = 0;
    const limiter = createRateLimiter({ limits: { perMinute: 2, perHour: 100 }, now: () => now });
    expect(limiter.consume('a').allowed).toBe(true);
    expect(limiter.consume('a').allowed).toBe(true);
    expect(limiter.consume('b').allowed).toBe(true);
    expect(limiter.consume('a').allowed).toBe(false);

    now = 45_000;
    const refused = limiter.consume('a');
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 15 });
    now = 60_000;
    expect(limiter.consume('a').allowed).toBe(true);
  });

  test('the hourly limit holds across minutes and names the hour as the wait', () => {
    let now = 0;
    const limiter = createRateLimiter({ limits: { perMinute: 10, perHour: 3 }, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(limiter.consume('a').allowed).toBe(true);
      now += 61_000;
    }
    const refused = limiter.consume('a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(3600 - 183);
  });

  test('a refused request is not counted, so waiting out the window is enough', () => {
    let now = 0;
    const limiter = createRateLimiter({ limits: { perMinute: 1, perHour: 2 }, now: () => now });
    limiter.consume('a');
    for (let i = 0; i < 5; i++) limiter.consume('a');
    now = 60_000;
    expect(limiter.consume('a').allowed).toBe(true);
  });

  test('0 turns a window off, and both off means no limit and no headers', () => {
    const hourOnly = createRateLimiter({ limits: { perMinute: 0, perHour: 2 } });
    expect(hourOnly.consume('a').windows.map((w) => w.name)).toEqual(['hour']);
    const none = createRateLimiter({ limits: { perMinute: 0, perHour: 0 } });
    for (let i = 0; i < 100; i++) expect(none.consume('a').allowed).toBe(true);
    expect(renderRateLimitHeaders(none.consume('a'))).toEqual({});
  });

  test('the headers give both policies, both windows, and the closer one in the older fields', () => {
    let now = 0;
    const limiter = createRateLimiter({ limits: { perMinute: 60, perHour: 1000 }, now: () => now });
    limiter.consume('a');
    now = 20_000;
    const headers = renderRateLimitHeaders(limiter.consume('a'));
    expect(headers).toEqual({
      'ratelimit-policy': '"minute";q=60;w=60, "hour";q=1000;w=3600',
      ratelimit: '"minute";r=58;t=40, "hour";r=998;t=3580',
      'ratelimit-limit': '60',
      'ratelimit-remaining': '58',
      'ratelimit-reset': '40',
    });
  });
});

describe('rate limits in the app', () => {
  test('login attempts over the address limit answer 429 with Retry-After and RateLimit headers', async () => {
    const t = await createTestApp({ rateLimits: { perMinute: 3, perHour: 100 } });
    try {
      const login = (i: number) =>
        t.request('POST', '/api/auth/login', {
          json: { email: `x${i}@example.com`, password: 'wrong-password' },
        });
      for (let i = 0; i < 3; i++) expect((await login(i)).status).toBe(401);
      const refused = await login(3);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(await refused.json()).toEqual({
        error: 'Too many requests',
        details: expect.stringContaining('from this address'),
      });
    } finally {
      await t.close();
    }
  });

  test('an account is counted on its own, apart from its address and other accounts', async () => {
    const t = await createTestApp({
      allowSignup: true,
      rateLimits: { perMinute: 4, perHour: 100 },
    });
    try {
      const a = await t.register('a@example.com');
      const b = await t.register('b@example.com');
      for (let i = 0; i < 4; i++) {
        const response = await t.request('GET', '/api/functions', { token: a });
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit-remaining')).toBe(String(3 - i));
      }
      const refused = await t.request('GET', '/api/auth/me', { token: a });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { details: string }).details).toContain('account');
      expect((await t.request('GET', '/api/auth/me', { token: b })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

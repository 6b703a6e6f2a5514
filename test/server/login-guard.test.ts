import { describe, expect, test } from 'bun:test';
import { TooManyRequestsError } from '../../src/core/errors.ts';
import { createLoginGuard } from '../../src/server/login-guard.ts';
import { createTestApp } from '../helpers/in-process.ts';

const limits = { maxFailures: 3, windowMs: 60_000 };

function refusal(run: () => void): TooManyRequestsError | null {
  try {
    run();
    return null;
  } catch (error) {
    return error as TooManyRequestsError;
  }
}

describe('login guard', () => {
  test('an email with its maximum of failures is refused until the oldest ages out', () => {
    let now = 0;
    const guard = createLoginGuard({ limits, now: () => now });
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      guard.check({ email: 'a@x.io', address });
      guard.recordFailure({ email: 'a@x.io', address });
      now += 10_000;
    }
    const refused = refusal(() => guard.check({ email: 'a@x.io', address: '10.0.0.9' }));
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect(refused?.retryAfterSeconds).toBe(30);
    expect(refusal(() => guard.check({ email: 'b@x.io', address: '10.0.0.9' }))).toBeNull();
    now = 60_000;
    expect(refusal(() => guard.check({ email: 'a@x.io', address: '10.0.0.9' }))).toBeNull();
  });

  test('an address with its maximum of failures is refused for every email', () => {
    const guard = createLoginGuard({ limits });
    for (const email of ['a@x.io', 'b@x.io', 'c@x.io']) {
      guard.recordFailure({ email, address: '10.0.0.1' });
    }
    expect(refusal(() => guard.check({ email: 'd@x.io', address: '10.0.0.1' }))).not.toBeNull();
    expect(refusal(() => guard.check({ email: 'd@x.io', address: '10.0.0.2' }))).toBeNull();
  });

  test('a success clears the email but not the address', () => {
    const guard = createLoginGuard({ limits });
    const attempt = { email: 'a@x.io', address: '10.0.0.1' };
    guard.recordFailure(attempt);
    guard.recordFailure(attempt);
    guard.recordSuccess(attempt);
    guard.recordFailure({ ...attempt, address: '10.0.0.2' });
    guard.recordFailure({ ...attempt, address: '10.0.0.2' });
    expect(refusal(() => guard.check({ ...attempt, address: '10.0.0.3' }))).toBeNull();
    guard.recordFailure({ email: 'z@x.io', address: '10.0.0.1' });
    expect(refusal(() => guard.check({ email: 'y@x.io', address: '10.0.0.1' }))).not.toBeNull();
  });
});

describe('login failures in the app', () => {
  test('the sixth failed login for one email answers 429, even with the right password', async () => {
    const t = await createTestApp();
    try {
      await t.register('dev@example.com', 'correct-horse');
      const login = (password: string) =>
        t.request('POST', '/api/auth/login', { json: { email: 'dev@example.com', password } });
      for (let i = 0; i < 5; i++) expect((await login('wrong-horse')).status).toBe(401);
      const refused = await login('correct-horse');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(await refused.json()).toEqual({
        error: 'Too many requests',
        details: expect.stringContaining('failed logins'),
      });
    } finally {
      await t.close();
    }
  });

  test('unknown emails count like known ones, so a 429 tells nothing about which exist', async () => {
    const t = await createTestApp();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await t.request('POST', '/api/auth/login', {
          json: { email: 'nobody@example.com', password: 'wrong-horse' },
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});

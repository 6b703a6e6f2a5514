/**
 * Login as a password guesser sees it, on the compiled server: the answer takes about as long
 * for an unknown email as for a known one, and repeated failures per email or per address are
 * refused with 429. The server trusts `X-Forwarded-For`, so each request can come from its own
 * address.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  callApi,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

// Argon2 logins, server starts and CLI runs are slow on a busy host.
setDefaultTimeout(30_000);

let server: CompiledServer;
let addresses = 0;
beforeAll(async () => {
  server = await startCompiledServer({ args: ['--trust-proxy', '--allow-signup'] });
  await registerAccount(server.url, 'known@example.com', 'correct-horse');
  await registerAccount(server.url, 'victim@example.com', 'victim-password');
}, 30_000);
afterAll(() => server.stop());

/** A login from `address`, or from an address no other request used. */
function login(email: string, password: string, address?: string) {
  addresses += 1;
  const from = address ?? `10.${Math.floor(addresses / 250)}.${addresses % 250}.1`;
  return callApi(server.url, {
    method: 'POST',
    path: '/api/auth/login',
    json: { email, password },
    headers: { 'x-forwarded-for': from },
  });
}

async function timed(run: () => Promise<{ status: number }>, status: number): Promise<number> {
  const start = performance.now();
  const response = await run();
  const elapsed = performance.now() - start;
  expect(response.status).toBe(status);
  return elapsed;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describe('login timing', () => {
  test('a login for an unknown email takes about as long as one for a known email', async () => {
    const known: number[] = [];
    const knownWrong: number[] = [];
    const unknown: number[] = [];
    // Warm both paths once, then interleave so drift in the machine's load hits all alike.
    await login('known@example.com', 'correct-horse');
    await login('warm-up@example.com', 'correct-horse');
    for (let i = 0; i < 8; i++) {
      known.push(await timed(() => login('known@example.com', 'correct-horse'), 200));
      unknown.push(await timed(() => login(`nobody-${i}@example.com`, 'correct-horse'), 401));
      // Four wrong passwords stay under the email's limit of five failures.
      if (i < 4) knownWrong.push(await timed(() => login('known@example.com', 'wrong-horse'), 401));
    }

    const ratio = mean(unknown) / mean(known);
    const wrongRatio = mean(unknown) / mean(knownWrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
    expect(wrongRatio).toBeGreaterThan(0.5);
    expect(wrongRatio).toBeLessThan(2);
  }, 60_000);
});

describe('repeated failures', () => {
  test('five wrong passwords for one email, from any addresses, lock its logins with 429', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await login('victim@example.com', `guess-number-${i}`)).status).toBe(401);
    }
    const locked = await login('victim@example.com', 'victim-password');
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({
      error: 'Too many requests',
      details: expect.stringContaining('failed logins'),
    });
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Other accounts log in as before.
    expect((await login('known@example.com', 'correct-horse')).status).toBe(200);
  });

  test('five failures from one address lock that address for every email, and no other', async () => {
    const address = '172.16.9.9';
    for (let i = 0; i < 5; i++) {
      expect((await login(`spray-${i}@example.com`, 'password-1', address)).status).toBe(401);
    }
    const locked = await login('known@example.com', 'correct-horse', address);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login('known@example.com', 'correct-horse', '172.16.9.10')).status).toBe(200);
  });

  test('unknown emails are locked after five failures just like known ones', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await login('ghost@example.com', 'password-1')).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  test('a right password clears the email’s failures', async () => {
    await registerAccount(server.url, 'forgetful@example.com', 'forgetful-password');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) {
        expect((await login('forgetful@example.com', 'not-it-at-all')).status).toBe(401);
      }
      expect((await login('forgetful@example.com', 'forgetful-password')).status).toBe(200);
    }
  });
});

/**
 * Rate limits on the compiled server, with small limits: per account on every authenticated
 * route, per client address on the rest and on refused credentials, `X-Forwarded-For` only with
 * `--trust-proxy`, RateLimit headers on answers, and 429 with Retry-After beyond.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  BINARY,
  callApi,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

// Argon2 logins, server starts and CLI runs are slow on a busy host.
setDefaultTimeout(30_000);

const TOO_MANY = { error: 'Too many requests', details: expect.stringContaining('retry in') };

let server: CompiledServer;
let proxied: CompiledServer;
beforeAll(async () => {
  const limits = ['--rate-limit-minute', '5', '--rate-limit-hour', '8', '--allow-signup'];
  [server, proxied] = await Promise.all([
    startCompiledServer({ args: limits }),
    startCompiledServer({ args: [...limits, '--trust-proxy'] }),
  ]);
});
afterAll(() => Promise.all([server.stop(), proxied.stop()]));

/** Registers from its own forwarded address, so sign-ups do not use up the test's address. */
async function registerVia(target: CompiledServer, email: string): Promise<string> {
  const response = await callApi(target.url, {
    method: 'POST',
    path: '/api/auth/register',
    json: { email, password: 'correct-horse' },
    headers: { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}` },
  });
  if (response.status !== 201) throw new Error(`register answered ${response.status}`);
  return response.body.token;
}

describe('limits per account', () => {
  test('every authenticated route counts, answers carry RateLimit headers, and the sixth is a 429', async () => {
    const token = await registerVia(proxied, 'a@example.com');
    const paths = ['/api/auth/me', '/api/functions', '/api/functions/none', '/functions/none'];
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await callApi(proxied.url, { path: paths[i % paths.length]!, token });
      expect(response.status).not.toBe(429);
      expect(response.headers.get('ratelimit-policy')).toBe('"minute";q=5;w=60, "hour";q=8;w=3600');
      expect(response.headers.get('ratelimit')).toMatch(/^"minute";r=\d;t=\d+, "hour";r=\d;t=\d+$/);
      expect(response.headers.get('ratelimit-limit')).toBe('5');
      remaining.push(response.headers.get('ratelimit-remaining') ?? '');
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const refused = await callApi(proxied.url, { method: 'POST', path: '/api/auth/logout', token });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(TOO_MANY);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // The refused logout did not run: the token still works once the window allows.
  });

  test('another account on the same address has its own count', async () => {
    const first = await registerVia(proxied, 'b@example.com');
    const second = await registerVia(proxied, 'c@example.com');
    for (let i = 0; i < 5; i++) await callApi(proxied.url, { path: '/api/auth/me', token: first });
    expect((await callApi(proxied.url, { path: '/api/auth/me', token: first })).status).toBe(429);
    const other = await callApi(proxied.url, { path: '/api/auth/me', token: second });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('4');
  });

  test('the hourly limit holds when the minute is off', async () => {
    const hourly = await startCompiledServer({
      args: ['--rate-limit-minute', '0', '--rate-limit-hour', '3'],
    });
    try {
      const token = await registerAccount(hourly.url);
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof callApi>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await callApi(hourly.url, { path: '/api/functions', token });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last?.headers.get('ratelimit-policy')).toBe('"hour";q=3;w=3600');
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(3000);
    } finally {
      await hourly.stop();
    }
  });

  test('0 for both turns limits and their headers off', async () => {
    const open = await startCompiledServer({
      args: ['--rate-limit-minute', '0', '--rate-limit-hour', '0'],
    });
    try {
      const token = await registerAccount(open.url);
      for (let i = 0; i < 30; i++) {
        const response = await callApi(open.url, { path: '/api/auth/me', token });
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit')).toBeNull();
      }
    } finally {
      await open.stop();
    }
  });
});

describe('limits per client address', () => {
  test('unauthenticated routes are limited per address, and a forwarded-for header is ignored without --trust-proxy', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12 && !statuses.includes(429); i++) {
      const response = await callApi(server.url, {
        path: '/api/health',
        headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
      });
      statuses.push(response.status);
      if (response.status === 429) expect(response.body).toEqual(TOO_MANY);
      else expect(response.headers.get('ratelimit-limit')).toBe('5');
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeLessThanOrEqual(6);

    const login = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/login',
      json: { email: 'x@example.com', password: 'correct-horse' },
      headers: { 'x-forwarded-for': '192.0.2.200' },
    });
    expect(login.status).toBe(429);
    expect(Number(login.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('with --trust-proxy the last forwarded-for address is the client', async () => {
    const ask = (forwarded: string) =>
      callApi(proxied.url, { path: '/api/health', headers: { 'x-forwarded-for': forwarded } });
    for (let i = 0; i < 5; i++) expect((await ask('203.0.113.50')).status).toBe(200);
    expect((await ask('203.0.113.50')).status).toBe(429);
    // A client-supplied first entry changes nothing; the proxy appends the address it saw.
    expect((await ask('192.0.2.1, 203.0.113.50')).status).toBe(429);
    expect((await ask('203.0.113.50, 203.0.113.51')).status).toBe(200);
    expect((await ask('203.0.113.52')).status).toBe(200);
  });

  test('refused credentials count against the address, so guessing tokens is limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await callApi(proxied.url, {
        path: '/api/functions',
        token: `guess-${i}`,
        headers: { 'x-forwarded-for': '203.0.113.77' },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe('rate limit options', () => {
  test('serve refuses a rate limit that is not a whole number, naming the option', async () => {
    for (const [option, value] of [
      ['--rate-limit-minute', 'lots'],
      ['--rate-limit-hour', '-5'],
      ['--rate-limit-minute', '1.5'],
    ] as const) {
      const child = Bun.spawn([BINARY, 'serve', '--port', '0', option, value], {
        stdout: 'pipe',
        stderr: 'pipe',
        env: { ...process.env, DART_CLOUD_DATA_DIR: '/nonexistent/never-created' },
      });
      const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
      expect(code).not.toBe(0);
      expect(stderr).toContain(`Expected ${option} to be a number of requests`);
    }
  });
});

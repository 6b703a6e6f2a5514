import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

const PASSWORD = 'correct-horse';

let t: TestApp;
let token: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: { perMinute: 3, perHour: 100 } });
  token = await t.register('dev@example.com', PASSWORD);
});
afterEach(() => t.close());

async function createKey(input: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const response = await t.request('POST', '/api/keys', { token, json: input });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

describe('key routes', () => {
  test('an empty create body makes an invoke-scoped key that never expires', async () => {
    const response = await t.request('POST', '/api/keys', { token });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ scope: 'invoke', expires_at: null, name: null });
  });

  test('logout and account deletion refuse an API key, even a full-scope one', async () => {
    const { key } = await createKey({ scope: 'full' });
    const logout = await t.request('POST', '/api/auth/logout', { token: key });
    expect(logout.status).toBe(403);
    expect(((await logout.json()) as { details: string }).details).toContain('login token');

    const remove = await t.request('DELETE', '/api/auth/account', {
      token: key,
      json: { password: PASSWORD },
    });
    expect(remove.status).toBe(403);
    expect((await t.request('GET', '/api/auth/me', { token })).status).toBe(200);
  });

  test('a full-scope key reads me, and an invoke-scoped key gets 403 for it', async () => {
    const full = await createKey({ scope: 'full' });
    const me = await t.request('GET', '/api/auth/me', { token: full.key });
    expect(await me.json()).toMatchObject({ user: { email: 'dev@example.com' } });
    const invoke = await createKey({ scope: 'invoke' });
    expect((await t.request('GET', '/api/auth/me', { token: invoke.key })).status).toBe(403);
  });

  test('each key has its own rate limit, apart from its account', async () => {
    const { key } = await createKey({ scope: 'full' });
    // The login token has made one request (the create); the key none.
    for (let n = 0; n < 3; n++) {
      const response = await t.request('GET', '/api/functions', { token: key });
      expect(response.status).toBe(200);
    }
    expect((await t.request('GET', '/api/functions', { token: key })).status).toBe(429);
    expect((await t.request('GET', '/api/functions', { token })).status).toBe(200);
  });

  test('deleting the account removes its keys, and they answer 401', async () => {
    const { key } = await createKey({ scope: 'full' });
    const remove = await t.request('DELETE', '/api/auth/account', {
      token,
      json: { password: PASSWORD },
    });
    expect(remove.status).toBe(200);
    const rows = t.services.db.$client.query('SELECT count(*) AS n FROM api_keys').get();
    expect(rows).toEqual({ n: 0 });
    expect((await t.request('GET', '/api/functions', { token: key })).status).toBe(401);
  });
});

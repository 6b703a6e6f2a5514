import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let token: string;
beforeEach(async () => {
  t = await createTestApp();
  token = await t.register();
});
afterEach(() => t.close());

describe('functions deleted mid-flight', () => {
  test('an invocation whose function is deleted while it runs still answers, without a 500', async () => {
    await t.deploy(token, { name: 'fn' });
    const execute = t.runtime.execute;
    t.runtime.execute = async (options) => {
      await Bun.sleep(100);
      return execute(options);
    };
    const pending = t.request('POST', '/api/functions/fn/invoke', { token, json: { body: {} } });
    await Bun.sleep(20);
    expect((await t.request('DELETE', '/api/functions/fn', { token })).status).toBe(200);
    expect((await pending).status).toBe(200);
  });

  test('a deploy whose function is deleted while it builds answers 404', async () => {
    await t.deploy(token, { name: 'fn' });
    const build = t.services.toolchain.build;
    t.services.toolchain.build = async (options) => {
      await Bun.sleep(100);
      return build(options);
    };
    const pending = t.deploy(token, { name: 'fn' });
    await Bun.sleep(20);
    await t.request('DELETE', '/api/functions/fn', { token });
    expect((await pending).status).toBe(404);
  });
});

describe('token expiry', () => {
  test('a token issued more than 24 hours ago answers 401', async () => {
    const now = t.services.now;
    t.services.now = () => Date.now() - 25 * 3_600_000;
    const login = await t.request('POST', '/api/auth/login', {
      json: { email: 'dev@example.com', password: 'correct-horse' },
    });
    const old = ((await login.json()) as { token: string }).token;
    t.services.now = now;
    const me = await t.request('GET', '/api/auth/me', { token: old });
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({
      error: 'Unauthorized',
      details: 'Token expired; log in again',
    });
  });
});

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ allowSignup: true });
});
afterEach(() => t.close());

const remove = (token: string, json?: unknown) =>
  t.request('DELETE', '/api/auth/account', { token, json });

describe('account deletion', () => {
  test('deleting an account removes its functions, their programs and files, and its tokens', async () => {
    const token = await t.register('gone@example.com', 'gone-password');
    const first = (await (await t.deploy(token, { name: 'one' })).json()) as { id: string };
    await t.deploy(token, { name: 'one' });
    await t.deploy(token, { name: 'two' });
    expect(existsSync(join(t.services.dataDir, 'functions', first.id))).toBe(true);

    const response = await remove(token, { password: 'gone-password' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe('deleted');

    expect(t.runtime.removed).toHaveLength(3);
    expect(existsSync(join(t.services.dataDir, 'functions', first.id))).toBe(false);
    const me = await t.request('GET', '/api/auth/me', { token });
    expect(me.status).toBe(401);
    expect(((await me.json()) as { details: string }).details).toContain('no longer exists');
  });

  test('a wrong or missing password keeps the account, with 403 and 400', async () => {
    const token = await t.register('kept@example.com', 'kept-password');
    await t.deploy(token, { name: 'one' });

    const wrong = await remove(token, { password: 'other-password' });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({
      error: 'Forbidden',
      details: 'The password is wrong; the account was not deleted',
    });
    expect((await remove(token)).status).toBe(400);
    expect((await remove(token, { password: 12345678 })).status).toBe(400);

    const list = await t.request('GET', '/api/functions', { token });
    expect(((await list.json()) as { total: number }).total).toBe(1);
    expect(t.runtime.removed).toEqual([]);
  });

  test("deleting one account leaves the others' functions and sessions alone", async () => {
    const gone = await t.register('gone@example.com', 'gone-password');
    const stays = await t.register('stays@example.com', 'stays-password');
    await t.deploy(gone, { name: 'same' });
    await t.deploy(stays, { name: 'same' });

    expect((await remove(gone, { password: 'gone-password' })).status).toBe(200);
    const details = await t.request('GET', '/api/functions/same', { token: stays });
    expect(details.status).toBe(200);
    const again = await t.request('POST', '/api/auth/register', {
      json: { email: 'gone@example.com', password: 'new-password' },
    });
    expect(again.status).toBe(201);
    // The new account of the same email is another account: the old token stays refused.
    expect((await t.request('GET', '/api/auth/me', { token: gone })).status).toBe(401);
  });
});

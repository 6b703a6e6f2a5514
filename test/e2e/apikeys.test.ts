/** API keys as bearer tokens, on the compiled server: shown once, hashed, scoped, expiring. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  callApi,
  deployArchive,
  packFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

const KEY_TEXT = /^dck_(key_[0-9a-f]{24})_([0-9a-f]{64})$/;

let server: CompiledServer;
let token: string;
let archive: Uint8Array;

beforeAll(async () => {
  server = await startCompiledServer({ args: ['--allow-signup'] });
  token = await registerAccount(server.url);
  archive = await packFixture('test_function');
  const response = await deployArchive(server.url, token, { name: 'fn', archive });
  if (response.status !== 201) throw new Error(`deploy answered ${response.status}`);
});
afterAll(() => server.stop());

async function createKey(input: Record<string, unknown>, as = token) {
  const created = await callApi(server.url, {
    method: 'POST',
    path: '/api/keys',
    token: as,
    json: input,
  });
  if (created.status !== 201) {
    throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  return created.body as { id: string; key: string };
}

const invoke = (key: string) =>
  callApi(server.url, {
    method: 'POST',
    path: '/api/functions/fn/invoke',
    token: key,
    json: { body: { action: 'echo', value: 7 } },
  });

describe('API keys on the compiled server', () => {
  test('creating a key answers it once, and the list shows its fields but never its secret', async () => {
    const created = await callApi(server.url, {
      method: 'POST',
      path: '/api/keys',
      token,
      json: { name: 'ci', scope: 'invoke' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{24}$/),
      name: 'ci',
      scope: 'invoke',
      signed: false,
      status: 'active',
      created_at: expect.any(String),
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
      key: expect.stringMatching(KEY_TEXT),
    });
    const [, id, secret] = KEY_TEXT.exec(created.body.key) ?? [];
    expect(id).toBe(created.body.id);

    const list = await callApi(server.url, { path: '/api/keys', token });
    expect(list.status).toBe(200);
    const listed = list.body.keys.find((key: { id: string }) => key.id === id);
    expect(listed).toEqual({ ...created.body, key: undefined });
    expect(Object.keys(listed)).not.toContain('key');
    expect(JSON.stringify(list.body)).not.toContain(secret ?? 'missing');
  });

  test('the database holds only a SHA-256 hash of the secret, never the key', async () => {
    const { id, key } = await createKey({ name: 'hash-check' });
    const secret = KEY_TEXT.exec(key)?.[2] ?? '';

    const db = new Database(join(server.dataDir, 'dart_cloud.db'), { readonly: true });
    const row = db.query('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown>;
    db.close();
    expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(Object.values(row).some((value) => String(value).includes(secret))).toBe(false);

    for (const file of ['dart_cloud.db', 'dart_cloud.db-wal']) {
      const path = join(server.dataDir, file);
      if (existsSync(path)) expect(readFileSync(path).includes(secret)).toBe(false);
    }
  });

  test('an invoke-scoped key invokes through the API and through the function URL', async () => {
    const { key } = await createKey({ scope: 'invoke' });
    const api = await invoke(key);
    expect(api.status).toBe(200);
    expect(api.body.result.echo).toEqual({ action: 'echo', value: 7 });

    const url = await callApi(server.url, {
      method: 'POST',
      path: '/functions/fn/hi',
      token: key,
      json: { action: 'echo' },
    });
    expect(url.status).toBe(200);
    expect(url.body).toMatchObject({ path: '/hi', method: 'POST' });
  });

  test('an invoke-scoped key gets 403 on deploy, delete, env, listing and keys', async () => {
    const { key } = await createKey({ scope: 'invoke' });
    const deploy = await deployArchive(server.url, key, { name: 'fn', archive });
    expect(deploy.status).toBe(403);
    expect(await deploy.json()).toEqual({
      error: 'Forbidden',
      details: expect.stringContaining('scope invoke'),
    });

    const refused = [
      { method: 'DELETE', path: '/api/functions/fn' },
      { method: 'PUT', path: '/api/functions/fn/env/SECRET', json: { value: 'x' } },
      { method: 'GET', path: '/api/functions/fn/env' },
      { method: 'GET', path: '/api/functions' },
      { method: 'GET', path: '/api/functions/fn/logs' },
      { method: 'GET', path: '/api/keys' },
      { method: 'POST', path: '/api/keys', json: { scope: 'full' } },
    ];
    for (const request of refused) {
      const answer = await callApi(server.url, { ...request, token: key });
      expect({ ...request, status: answer.status }).toEqual({ ...request, status: 403 });
      expect(answer.body.error).toBe('Forbidden');
    }
    expect((await callApi(server.url, { path: '/api/functions/fn', token })).status).toBe(200);
  });

  test('a full-scope key deploys and deletes, but only a login token manages keys', async () => {
    const { key } = await createKey({ scope: 'full', name: 'deployer' });
    const deploy = await deployArchive(server.url, key, { name: 'by-key', archive });
    expect(deploy.status).toBe(201);
    const removed = await callApi(server.url, {
      method: 'DELETE',
      path: '/api/functions/by-key',
      token: key,
    });
    expect(removed.status).toBe(200);

    const mint = await callApi(server.url, {
      method: 'POST',
      path: '/api/keys',
      token: key,
      json: {},
    });
    expect(mint.status).toBe(403);
    expect(mint.body.details).toContain('login token');
  });

  test('an expired key answers 401 with details that say it expired', async () => {
    const { key } = await createKey({ expires_in: 1 });
    await Bun.sleep(1_100);
    const answer = await invoke(key);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      error: 'Unauthorized',
      details: expect.stringMatching(/^API key expired at /),
    });
  });

  test('a revoked key answers 401, lists as revoked, and revoking it again changes nothing', async () => {
    const { id, key } = await createKey({ name: 'to-revoke' });
    expect((await invoke(key)).status).toBe(200);

    const revoke = await callApi(server.url, { method: 'DELETE', path: `/api/keys/${id}`, token });
    expect(revoke).toMatchObject({ status: 200, body: { id, status: 'revoked' } });
    const answer = await invoke(key);
    expect(answer.status).toBe(401);
    expect(answer.body.details).toContain('API key revoked');

    const list = await callApi(server.url, { path: '/api/keys', token });
    const listed = list.body.keys.find((entry: { id: string }) => entry.id === id);
    expect(listed).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
    expect(listed.last_used_at).toEqual(expect.any(String));
    const again = await callApi(server.url, { method: 'DELETE', path: `/api/keys/${id}`, token });
    expect(again.status).toBe(200);
  });

  test('a malformed key, a wrong secret and an unknown id answer 401', async () => {
    const { key } = await createKey({});
    const wrongSecret = key.replace(/_[0-9a-f]{64}$/, `_${'0'.repeat(64)}`);
    const unknownId = key.replace(/key_[0-9a-f]{24}/, `key_${'0'.repeat(24)}`);
    for (const bad of ['dck_nonsense', wrongSecret, unknownId]) {
      const answer = await invoke(bad);
      expect(answer.status).toBe(401);
      expect(answer.body.details).toStartWith('Invalid API key');
    }
  });

  test("another account's key is not found, and its keys do not reach this account's functions", async () => {
    const other = await registerAccount(server.url, 'other@example.com');
    const { id, key } = await createKey({ scope: 'full' }, other);

    const revoke = await callApi(server.url, { method: 'DELETE', path: `/api/keys/${id}`, token });
    expect(revoke).toMatchObject({ status: 404, body: { details: 'API key not found' } });
    expect((await invoke(key)).status).toBe(404);
    const list = await callApi(server.url, { path: '/api/keys', token });
    expect(list.body.keys.map((entry: { id: string }) => entry.id)).not.toContain(id);
  });

  test('deleting an account deletes its keys, which then answer 401', async () => {
    const doomed = await registerAccount(server.url, 'doomed@example.com');
    const { id, key } = await createKey({ scope: 'full' }, doomed);
    expect((await callApi(server.url, { path: '/api/functions', token: key })).status).toBe(200);

    const removed = await callApi(server.url, {
      method: 'DELETE',
      path: '/api/auth/account',
      token: doomed,
      json: { password: 'correct-horse' },
    });
    expect(removed.status).toBe(200);
    const answer = await callApi(server.url, { path: '/api/functions', token: key });
    expect(answer.status).toBe(401);
    const db = new Database(join(server.dataDir, 'dart_cloud.db'), { readonly: true });
    expect(db.query('SELECT id FROM api_keys WHERE id = ?').get(id)).toBeNull();
    db.close();
  });

  test('a create with an unknown field, a bad scope or a signed full key answers 400', async () => {
    for (const json of [
      { scopes: 'invoke' },
      { scope: 'admin' },
      { signed: true, scope: 'full' },
      { expires_in: -5 },
      { expires_in: '30d' },
      { name: 'two\nlines' },
    ]) {
      const answer = await callApi(server.url, { method: 'POST', path: '/api/keys', token, json });
      expect({ json, status: answer.status }).toEqual({ json, status: 400 });
      expect(answer.body.error).toBe('Invalid request');
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  callApi,
  deployArchive,
  packFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

// Distinct, greppable plaintexts: none may ever appear in the data directory's files.
const deploySecret = `deploy-secret-${randomUUID()}`;
const setSecret = `set-secret-${randomUUID()}`;
const legacySecret = `legacy-plaintext-${randomUUID()}`;

let server: CompiledServer;
let dataDir: string;
let token: string;
let other: string;

const start = async () => {
  server = await startCompiledServer({
    args: ['--allow-signup'],
    env: { DART_CLOUD_LOG_LEVEL: 'debug' },
    ...(dataDir ? { dataDir } : {}),
  });
  dataDir = server.dataDir;
};

beforeAll(async () => {
  await start();
  token = await registerAccount(server.url);
  other = await registerAccount(server.url, 'other@example.com');
  const deployed = await deployArchive(server.url, token, {
    name: 'vault',
    archive: await packFixture('test_function'),
    fields: { env: JSON.stringify({ DEPLOY_SECRET: deploySecret }) },
  });
  expect(deployed.status).toBe(201);
  const set = await callApi(server.url, {
    method: 'PUT',
    path: '/api/functions/vault/env/SET_SECRET',
    token,
    json: { value: setSecret },
  });
  expect(set.status).toBe(200);
}, 60_000);
afterAll(async () => {
  await server.stop({ keepData: true });
  await rm(dataDir, { recursive: true, force: true });
});

/** The files of the data directory (database, WAL, keys, builds) whose bytes hold `text`. */
async function filesHolding(text: string): Promise<string[]> {
  const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
  const holding: string[] = [];
  for (const entry of entries.filter((candidate) => candidate.isFile())) {
    const path = join(entry.parentPath, entry.name);
    const bytes = Buffer.from(await Bun.file(path).arrayBuffer());
    if (bytes.includes(text)) holding.push(path.slice(dataDir.length + 1));
  }
  return holding;
}

const invokeEnv = async (keys: string[]) =>
  (
    await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/vault/invoke',
      token,
      json: { body: { action: 'env', keys } },
    })
  ).body.result;

describe('env values at rest', () => {
  test('the database holds env values encrypted, never in plaintext', async () => {
    expect(await filesHolding(deploySecret)).toEqual([]);
    expect(await filesHolding(setSecret)).toEqual([]);

    const db = new Database(join(dataDir, 'dart_cloud.db'), { readonly: true });
    const rows = db.query('SELECT key, value FROM env_vars ORDER BY key').all() as {
      key: string;
      value: string;
    }[];
    db.close();
    expect(rows.map((row) => row.key)).toEqual(['DEPLOY_SECRET', 'SET_SECRET']);
    for (const row of rows) expect(row.value).toMatch(/^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/=]+$/);
  });

  test('the key file sits in the data directory, readable by the owner only', async () => {
    const key = await stat(join(dataDir, 'env.key'));
    expect(key.mode & 0o777).toBe(0o600);
    expect(Buffer.from(await Bun.file(join(dataDir, 'env.key')).text(), 'base64')).toHaveLength(32);
  });

  test('the owner reads the values back and the function sees them', async () => {
    const list = await callApi(server.url, { path: '/api/functions/vault/env', token });
    expect(list.body).toEqual({ env: { DEPLOY_SECRET: deploySecret, SET_SECRET: setSecret } });
    const one = await callApi(server.url, { path: '/api/functions/vault/env/SET_SECRET', token });
    expect(one.body).toEqual({ key: 'SET_SECRET', value: setSecret });
    expect(await invokeEnv(['DEPLOY_SECRET', 'SET_SECRET'])).toEqual({
      env: { DEPLOY_SECRET: deploySecret, SET_SECRET: setSecret },
    });
  });

  test('another account gets 404 for every env route of the function', async () => {
    const id = (await callApi(server.url, { path: '/api/functions/vault', token })).body.id;
    for (const ref of ['vault', id]) {
      for (const [method, path] of [
        ['GET', `/api/functions/${ref}/env`],
        ['GET', `/api/functions/${ref}/env/SET_SECRET`],
        ['PUT', `/api/functions/${ref}/env/SET_SECRET`],
        ['DELETE', `/api/functions/${ref}/env/SET_SECRET`],
      ] as const) {
        const answer = await callApi(server.url, {
          method,
          path,
          token: other,
          ...(method === 'PUT' ? { json: { value: 'stolen' } } : {}),
        });
        expect({ method, path, status: answer.status, body: answer.body }).toEqual({
          method,
          path,
          status: 404,
          body: { error: 'Not found', details: 'Function not found' },
        });
      }
    }
  });

  test('no value reaches the server output, even at debug level', () => {
    const output = server.output();
    expect(output.includes('/env/SET_SECRET')).toBe(true);
    expect(output.includes(deploySecret)).toBe(false);
    expect(output.includes(setSecret)).toBe(false);
  });

  test('values survive a restart', async () => {
    await server.stop({ keepData: true });
    await start();
    const list = await callApi(server.url, { path: '/api/functions/vault/env', token });
    expect(list.body).toEqual({ env: { DEPLOY_SECRET: deploySecret, SET_SECRET: setSecret } });
  }, 30_000);

  test('plaintext values an earlier version stored are encrypted in place at start-up', async () => {
    await server.stop({ keepData: true });
    const db = new Database(join(dataDir, 'dart_cloud.db'));
    db.run("UPDATE env_vars SET value = ? WHERE key = 'SET_SECRET'", [legacySecret]);
    db.close();
    expect(await filesHolding(legacySecret)).toEqual(['dart_cloud.db']);

    await start();
    expect(server.output().includes('Encrypted 1 env value(s) stored in plaintext')).toBe(true);
    expect(await filesHolding(legacySecret)).toEqual([]);
    const one = await callApi(server.url, { path: '/api/functions/vault/env/SET_SECRET', token });
    expect(one.body).toEqual({ key: 'SET_SECRET', value: legacySecret });
    expect(await invokeEnv(['DEPLOY_SECRET', 'SET_SECRET'])).toEqual({
      env: { DEPLOY_SECRET: deploySecret, SET_SECRET: legacySecret },
    });
  }, 30_000);

  test('a replaced key makes values unreadable with a 409 that says what to do, not a 500', async () => {
    await server.stop({ keepData: true });
    await rm(join(dataDir, 'env.key'));
    await start();
    expect(server.output().includes('do not decrypt with the key')).toBe(true);
    const one = await callApi(server.url, { path: '/api/functions/vault/env/SET_SECRET', token });
    expect(one.status).toBe(409);
    expect(one.body.details).toContain('set the variable again');
    const set = await callApi(server.url, {
      method: 'PUT',
      path: '/api/functions/vault/env/SET_SECRET',
      token,
      json: { value: 'fresh' },
    });
    expect(set.status).toBe(200);
    const again = await callApi(server.url, { path: '/api/functions/vault/env/SET_SECRET', token });
    expect(again.body).toEqual({ key: 'SET_SECRET', value: 'fresh' });
  }, 30_000);
});

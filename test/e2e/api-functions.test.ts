import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packDirectory } from '../../src/archive/pack.ts';
import {
  callApi,
  deployArchive,
  packFixture,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

let server: CompiledServer;
let token: string;
let other: string;
let scratch: string;

beforeAll(async () => {
  server = await startCompiledServer({ args: ['--allow-signup'] });
  const register = async (email: string) =>
    (
      await callApi(server.url, {
        method: 'POST',
        path: '/api/auth/register',
        json: { email, password: 'correct-horse' },
      })
    ).body.token as string;
  token = await register('owner@example.com');
  other = await register('other@example.com');
  scratch = await mkdtemp(join(tmpdir(), 'dart-cloud-fixture-'));
});
afterAll(async () => {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** The test function with a compile error in its library. */
async function packBrokenFunction(): Promise<Uint8Array> {
  const dir = join(scratch, 'broken');
  await cp(resolve(import.meta.dir, '../fixtures/test_function'), dir, { recursive: true });
  const lib = join(dir, 'lib', 'test_function.dart');
  await writeFile(lib, `${await readFile(lib, 'utf8')}\n#compile-error\n`);
  return packDirectory({ dir });
}

describe('API functions on the compiled server', () => {
  test('deploying the handler test function answers 201 with an id, a status and a working url', async () => {
    const response = await deployArchive(server.url, token, {
      name: 'hello',
      archive: await packFixture('test_function'),
      fields: { memory: '256', timeout: '5', env: '{"GREETING":"hi"}' },
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; url: string; [key: string]: unknown };
    expect(body).toEqual({
      id: expect.any(String),
      name: 'hello',
      status: 'deployed',
      url: `${server.url}/functions/${body.id}`,
      version: 1,
    });

    const viaUrl = await fetch(body.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'echo' }),
    });
    expect(viaUrl.status).toBe(200);
    expect(await viaUrl.json()).toMatchObject({ echo: { action: 'echo' } });
  });

  test('status shows the details by id and by name', async () => {
    const byName = await callApi(server.url, { path: '/api/functions/hello', token });
    expect(byName.status).toBe(200);
    expect(byName.body).toEqual({
      id: expect.any(String),
      name: 'hello',
      status: 'active',
      memory: 256,
      timeout: 5,
      network: true,
      url: expect.stringContaining('/functions/'),
      version: 1,
      contract: 'handler',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      last_build: { version: 1, status: 'ready', error: null },
    });
    const byId = await callApi(server.url, { path: `/api/functions/${byName.body.id}`, token });
    expect(byId.body).toEqual(byName.body);
  });

  test('a function url ignores X-Forwarded-Host and -Proto when the server does not trust a proxy', async () => {
    const forged = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };
    const details = await callApi(server.url, {
      path: '/api/functions/hello',
      token,
      headers: forged,
    });
    expect(details.body.url).toBe(`${server.url}/functions/${details.body.id}`);
  });

  test('a function url follows X-Forwarded-Host and -Proto when the server runs with --trust-proxy', async () => {
    const proxied = await startCompiledServer({ args: ['--trust-proxy'] });
    try {
      const owner = await callApi(proxied.url, {
        method: 'POST',
        path: '/api/auth/register',
        json: { email: 'proxied@example.com', password: 'correct-horse' },
      });
      const response = await deployArchive(proxied.url, owner.body.token, {
        name: 'proxied',
        archive: await packFixture('test_function'),
      });
      const { id } = (await response.json()) as { id: string };
      const details = await callApi(proxied.url, {
        path: `/api/functions/${id}`,
        token: owner.body.token,
        headers: { 'x-forwarded-host': 'fn.example.com', 'x-forwarded-proto': 'https' },
      });
      expect(details.body.url).toBe(`https://fn.example.com/functions/${id}`);
    } finally {
      await proxied.stop();
    }
  });

  test('the script test function deploys with the script contract', async () => {
    const response = await deployArchive(server.url, token, {
      name: 'script',
      archive: await packFixture('test_script'),
    });
    expect(response.status).toBe(201);
    const details = await callApi(server.url, { path: '/api/functions/script', token });
    expect(details.body.contract).toBe('script');
  });

  test('deploying the same name again updates the function to version 2 with 200', async () => {
    const before = await callApi(server.url, { path: '/api/functions/hello', token });
    const response = await deployArchive(server.url, token, {
      name: 'hello',
      archive: await packFixture('test_function'),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: before.body.id, version: 2 });
  });

  test('a build failure answers 422 with the compiler output and version 2 keeps serving', async () => {
    const response = await deployArchive(server.url, token, {
      name: 'hello',
      archive: await packBrokenFunction(),
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: string; details: string; build_log: string };
    expect(body.error).toBe('Build failed');
    expect(body.build_log).toContain('Error');

    const details = await callApi(server.url, { path: '/api/functions/hello', token });
    expect(details.body).toMatchObject({ status: 'active', version: 2 });
    const invoke = await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/hello/invoke',
      token,
      json: { body: {} },
    });
    expect(invoke.status).toBe(200);
  });

  test('an archive that is not a tar.gz answers 400 and creates nothing', async () => {
    const response = await deployArchive(server.url, token, {
      name: 'garbage',
      archive: new TextEncoder().encode('not a tarball'),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('Invalid request');
    expect((await callApi(server.url, { path: '/api/functions/garbage', token })).status).toBe(404);
  });

  test('deploy rejects a missing name, a bad name, bad env and out-of-range limits with 400', async () => {
    const archive = await packFixture('test_function');
    const form = new FormData();
    form.set('archive', new Blob([archive as Uint8Array<ArrayBuffer>]), 'f.tar.gz');
    const noName = await fetch(`${server.url}/api/functions/deploy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(noName.status).toBe(400);
    expect(await noName.json()).toEqual({
      error: 'Invalid request',
      details: 'Missing required field: name',
    });

    for (const [name, fields] of [
      ['bad name!', {}],
      ['ok', { env: '[1]' }],
      ['ok', { env: '{"HOME":"/"}' }],
      ['ok', { memory: '1' }],
      ['ok', { timeout: 'soon' }],
    ] as const) {
      const response = await deployArchive(server.url, token, { name, archive, fields });
      expect(response.status).toBe(400);
    }
    const json = await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/deploy',
      token,
      json: { name: 'x' },
    });
    expect(json.status).toBe(400);
    const anonymous = await fetch(`${server.url}/api/functions/deploy`, {
      method: 'POST',
      body: form,
    });
    expect(anonymous.status).toBe(401);
  });

  test('list answers the functions with total, limit and offset', async () => {
    const all = await callApi(server.url, { path: '/api/functions', token });
    expect(all.body.total).toBe(2);
    expect(all.body.functions.map((f: { name: string }) => f.name).sort()).toEqual([
      'hello',
      'script',
    ]);
    expect(all.body.functions[0]).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      status: 'active',
      created_at: expect.any(String),
    });
    const page = await callApi(server.url, { path: '/api/functions?limit=1&offset=1', token });
    expect(page.body.functions).toHaveLength(1);
    expect(page.body.total).toBe(2);
    expect((await callApi(server.url, { path: '/api/functions?limit=nope', token })).status).toBe(
      400,
    );
    expect((await callApi(server.url, { path: '/api/functions', token: other })).body).toEqual({
      functions: [],
      total: 0,
    });
  });

  test("an unknown id and another account's function answer 404 Function not found", async () => {
    const mine = await callApi(server.url, { path: '/api/functions/hello', token });
    for (const [path, who] of [
      ['/api/functions/fn_doesnotexist', token],
      [`/api/functions/${mine.body.id}`, other],
      ['/api/functions/hello', other],
    ] as const) {
      const response = await callApi(server.url, { path, token: who });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: 'Not found', details: 'Function not found' });
    }
    const del = await callApi(server.url, {
      method: 'DELETE',
      path: `/api/functions/${mine.body.id}`,
      token: other,
    });
    expect(del.status).toBe(404);
  });

  test('delete removes the function and its files, and a second delete answers 404', async () => {
    const fn = await callApi(server.url, { path: '/api/functions/script', token });
    expect(existsSync(join(server.dataDir, 'functions', fn.body.id))).toBe(true);
    const response = await callApi(server.url, {
      method: 'DELETE',
      path: '/api/functions/script',
      token,
    });
    expect(response.body).toEqual({ id: fn.body.id, status: 'deleted' });
    expect(existsSync(join(server.dataDir, 'functions', fn.body.id))).toBe(false);
    expect(
      (await callApi(server.url, { path: `/api/functions/${fn.body.id}`, token })).status,
    ).toBe(404);
    expect(
      (await callApi(server.url, { method: 'DELETE', path: '/api/functions/script', token }))
        .status,
    ).toBe(404);
    expect(
      (await callApi(server.url, { method: 'DELETE', path: '/api/functions/script' })).status,
    ).toBe(401);
  });
});

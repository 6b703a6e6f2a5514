import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let token: string;
beforeEach(async () => {
  t = await createTestApp({ allowSignup: true });
  token = await t.register();
});
afterEach(() => t.close());

interface Deployed {
  id: string;
  name: string;
  status: string;
  url: string;
  version: number;
}

describe('function routes', () => {
  test('deploy creates a function with 201 and a URL under /functions', async () => {
    const response = await t.deploy(token, { name: 'hello', memory: '256', timeout: '10' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Deployed;
    expect(body).toEqual({
      id: expect.stringMatching(/^fn_/),
      name: 'hello',
      status: 'deployed',
      url: `http://localhost/functions/${body.id}`,
      version: 1,
    });

    const details = await (await t.request('GET', '/api/functions/hello', { token })).json();
    expect(details).toMatchObject({
      id: body.id,
      name: 'hello',
      status: 'active',
      memory: 256,
      timeout: 10,
      version: 1,
      contract: 'handler',
    });
  });

  test('deploying the same name again updates the function with 200 and the next version', async () => {
    const first = (await (await t.deploy(token, { name: 'hello' })).json()) as Deployed;
    const second = await t.deploy(token, { name: 'hello' });
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ id: first.id, version: 2 });
    const list = (await (await t.request('GET', '/api/functions', { token })).json()) as {
      total: number;
    };
    expect(list.total).toBe(1);
  });

  test('a failed build answers 422 with the build log and the previous version keeps serving', async () => {
    await t.deploy(token, { name: 'hello' });
    const failed = await t.deploy(token, { name: 'hello' }, 'fail');
    expect(failed.status).toBe(422);
    expect(await failed.json()).toEqual({
      error: 'Build failed',
      details: 'dart compile exe failed',
      build_log: "lib/main.dart:1:1: Error: Expected ';'",
    });
    const details = (await (await t.request('GET', '/api/functions/hello', { token })).json()) as {
      status: string;
      version: number;
    };
    expect(details).toMatchObject({ status: 'active', version: 1 });
    const invoke = await t.request('POST', '/api/functions/hello/invoke', {
      token,
      json: { body: {} },
    });
    expect(invoke.status).toBe(200);
  });

  test('a first deploy that fails to build leaves a failed function that answers 409 on invoke', async () => {
    expect((await t.deploy(token, { name: 'broken' }, 'fail')).status).toBe(422);
    const details = (await (await t.request('GET', '/api/functions/broken', { token })).json()) as {
      status: string;
      version: null;
    };
    expect(details).toMatchObject({ status: 'failed', version: null });
    const invoke = await t.request('POST', '/api/functions/broken/invoke', { token, json: {} });
    expect(invoke.status).toBe(409);
    expect(((await invoke.json()) as { error: string }).error).toBe('Conflict');
  });

  test('a refused archive answers 400 and creates no function', async () => {
    const response = await t.deploy(token, { name: 'evil' }, 'reject');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: string }).details).toContain('../evil');
    expect((await t.request('GET', '/api/functions/evil', { token })).status).toBe(404);
  });

  test('deploy rejects a bad name, bad env, bad memory, a missing archive and a non-multipart body', async () => {
    const cases: Array<Record<string, string>> = [
      { name: '-bad' },
      { name: 'ok', env: '{not json' },
      { name: 'ok', env: '{"PATH":"/x"}' },
      { name: 'ok', env: '{"KEY": 1}' },
      { name: 'ok', memory: 'lots' },
      { name: 'ok', timeout: '0' },
    ];
    for (const fields of cases) {
      const response = await t.deploy(token, fields);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('Invalid request');
    }
    const form = new FormData();
    form.set('name', 'ok');
    const noArchive = await t.request('POST', '/api/functions/deploy', { token, body: form });
    expect(((await noArchive.json()) as { details: string }).details).toContain('archive');
    const json = await t.request('POST', '/api/functions/deploy', { token, json: { name: 'ok' } });
    expect(json.status).toBe(400);
  });

  test('deploy without a token answers 401', async () => {
    const form = new FormData();
    form.set('name', 'x');
    const response = await t.request('POST', '/api/functions/deploy', { body: form });
    expect(response.status).toBe(401);
  });

  test('list pages with limit and offset and rejects a bad limit', async () => {
    for (const name of ['a1', 'a2', 'a3']) await t.deploy(token, { name });
    const page = (await (
      await t.request('GET', '/api/functions?limit=2&offset=1', { token })
    ).json()) as {
      functions: Array<{ id: string; name: string; status: string; created_at: string }>;
      total: number;
    };
    expect(page.total).toBe(3);
    expect(page.functions).toHaveLength(2);
    expect(Object.keys(page.functions[0] ?? {}).sort()).toEqual([
      'created_at',
      'id',
      'name',
      'status',
    ]);
    for (const query of ['limit=0', 'limit=abc', 'limit=101', 'offset=-1']) {
      expect((await t.request('GET', `/api/functions?${query}`, { token })).status).toBe(400);
    }
  });

  test("another account's function answers 404 everywhere", async () => {
    const deployed = (await (await t.deploy(token, { name: 'mine' })).json()) as Deployed;
    const other = await t.register('other@example.com');
    for (const [method, path] of [
      ['GET', `/api/functions/${deployed.id}`],
      ['GET', '/api/functions/mine'],
      ['DELETE', `/api/functions/${deployed.id}`],
      ['POST', `/api/functions/${deployed.id}/invoke`],
      ['GET', `/api/functions/${deployed.id}/logs`],
      ['GET', `/api/functions/${deployed.id}/metrics`],
      ['GET', `/api/functions/${deployed.id}/env`],
      ['GET', `/api/functions/${deployed.id}/executions`],
      ['GET', `/functions/${deployed.id}`],
    ] as const) {
      const response = await t.request(method, path, { token: other });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'Not found', details: 'Function not found' });
    }
  });

  test('delete removes the function, its programs and its data', async () => {
    const deployed = (await (await t.deploy(token, { name: 'gone' })).json()) as Deployed;
    const response = await t.request('DELETE', '/api/functions/gone', { token });
    expect(await response.json()).toEqual({ id: deployed.id, status: 'deleted' });
    expect(t.runtime.removed).toHaveLength(1);
    expect((await t.request('GET', `/api/functions/${deployed.id}`, { token })).status).toBe(404);
    expect(await Bun.file(`${t.services.dataDir}/functions/${deployed.id}`).exists()).toBe(false);
  });
});

describe('function URLs behind a reverse proxy', () => {
  const deployProxied = async (app: TestApp, owner: string) => {
    const form = new FormData();
    form.set('name', 'proxied');
    form.set('archive', new Blob(['ok']), 'f.tar.gz');
    const response = await app.request('POST', '/api/functions/deploy', {
      token: owner,
      body: form,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'fn.example.com' },
    });
    return (await response.json()) as { id: string; url: string };
  };

  test('the deploy url follows X-Forwarded-Proto and X-Forwarded-Host with trustProxy', async () => {
    const proxied = await createTestApp({ trustProxy: true });
    try {
      const body = await deployProxied(proxied, await proxied.register());
      expect(body.url).toBe(`https://fn.example.com/functions/${body.id}`);
    } finally {
      await proxied.close();
    }
  });

  test('the deploy url ignores X-Forwarded-Proto and X-Forwarded-Host without trustProxy', async () => {
    const body = await deployProxied(t, token);
    expect(body.url).toBe(`http://localhost/functions/${body.id}`);
  });
});

describe('size caps', () => {
  test('an archive over 64 MiB answers 413', async () => {
    const response = await t.deploy(token, { name: 'huge' }, 'x'.repeat(65 * 1024 * 1024));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('Payload too large');
  });

  test('an invoke body over 6 MiB answers 413', async () => {
    await t.deploy(token, { name: 'fn' });
    const response = await t.request('POST', '/api/functions/fn/invoke', {
      token,
      json: { body: 'x'.repeat(7 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
  });
});

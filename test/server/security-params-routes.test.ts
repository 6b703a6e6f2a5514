import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await createTestApp();
  token = await t.register();
  expect((await t.deploy(token, { name: 'fn' })).status).toBe(201);
});
afterAll(() => t.close());

async function expect400(response: Response, details: string): Promise<void> {
  const body = (await response.json()) as { error: string; details: string };
  expect({ status: response.status, error: body.error }).toEqual({
    status: 400,
    error: 'Invalid request',
  });
  expect(body.details).toContain(details);
}

function multipart(text: string, boundary = 'XyZ'): Promise<Response> {
  return t.request('POST', '/api/functions/deploy', {
    token,
    body: text.replaceAll('\n', '\r\n'),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
}

describe('malformed multipart deploys', () => {
  test('a body that is not multipart answers 400', async () => {
    for (const type of ['application/json', 'text/plain', '']) {
      const response = await t.request('POST', '/api/functions/deploy', {
        token,
        body: '{"name":"x"}',
        headers: type ? { 'content-type': type } : {},
      });
      await expect400(response, 'multipart/form-data');
    }
  });

  test('a wrong or missing boundary and a cut-off body answer 400', async () => {
    const form = '--XyZ\nContent-Disposition: form-data; name="name"\n\nfn\n--XyZ--\n';
    await expect400(await multipart(form, 'Other'), 'well-formed multipart');
    const noBoundary = await t.request('POST', '/api/functions/deploy', {
      token,
      body: form,
      headers: { 'content-type': 'multipart/form-data' },
    });
    await expect400(noBoundary, 'well-formed multipart');
    await expect400(await multipart('--XyZ\nContent-Disposition: form-da'), 'multipart');
  });

  test('a missing archive, an archive sent as text and an empty one answer 400', async () => {
    const name = '--XyZ\nContent-Disposition: form-data; name="name"\n\nfn2\n';
    await expect400(await multipart(`${name}--XyZ--\n`), 'Missing required field: archive');
    const asText = `${name}--XyZ\nContent-Disposition: form-data; name="archive"\n\nabc\n--XyZ--\n`;
    await expect400(await multipart(asText), 'archive to be a file upload, got text');
    const empty = new FormData();
    empty.set('name', 'fn2');
    empty.set('archive', new Blob([]), 'function.tar.gz');
    const response = await t.request('POST', '/api/functions/deploy', { token, body: empty });
    await expect400(response, 'Missing required field: archive');
  });

  test('a duplicated field and an unknown field answer 400', async () => {
    const form = new FormData();
    form.append('name', 'fn2');
    form.append('name', 'fn3');
    form.set('archive', new Blob(['ok']), 'function.tar.gz');
    const twice = await t.request('POST', '/api/functions/deploy', { token, body: form });
    await expect400(twice, 'Expected the field name once');

    const typo = new FormData();
    typo.set('name', 'fn2');
    typo.set('enviroment', '{}');
    typo.set('archive', new Blob(['ok']), 'function.tar.gz');
    const unknown = await t.request('POST', '/api/functions/deploy', { token, body: typo });
    await expect400(unknown, "Unknown field 'enviroment'");
  });

  test('text fields sent as files answer 400', async () => {
    const form = new FormData();
    form.set('name', new Blob(['fn2']), 'name.txt');
    form.set('archive', new Blob(['ok']), 'function.tar.gz');
    const response = await t.request('POST', '/api/functions/deploy', { token, body: form });
    await expect400(response, 'name to be text, got a file');
  });
});

describe('names', () => {
  test('function names outside the rule answer 400 at deploy', async () => {
    for (const name of ['-x', '_x', 'a b', 'a/b', '..', 'x'.repeat(65), 'é', 'a.b', '%2e']) {
      await expect400(await t.deploy(token, { name }), 'Expected name to be 1 to 64');
    }
    await expect400(await t.deploy(token, { name: '' }), 'Missing required field: name');
  });

  test('reserved and malformed env names answer 400 at deploy and at env set', async () => {
    const reserved = [
      'PATH',
      'HOME',
      'TMPDIR',
      'LANG',
      'FUNCTION_INPUT',
      'DART_CLOUD_X',
      '__proto__',
    ];
    for (const key of reserved) {
      const deploy = await t.deploy(token, { name: 'fn', env: JSON.stringify({ [key]: 'v' }) });
      await expect400(deploy, 'reserved by the platform');
      const set = await t.request('PUT', `/api/functions/fn/env/${key}`, {
        token,
        json: { value: 'v' },
      });
      await expect400(set, 'reserved by the platform');
    }
    for (const key of ['1A', 'A-B', 'A%20B', 'x'.repeat(129)]) {
      const set = await t.request('PUT', `/api/functions/fn/env/${key}`, {
        token,
        json: { value: 'v' },
      });
      await expect400(set, 'Expected an env var name matching');
    }
  });

  test('a deploy env field that is not a JSON object of strings answers 400', async () => {
    for (const [env, details] of [
      ['not json', 'not JSON'],
      ['[]', 'env to be a JSON object, got an array'],
      ['{"A":1}', 'value of A to be a string'],
      ['{"A":"x\\u0000"}', 'NUL'],
    ] as const) {
      await expect400(await t.deploy(token, { name: 'fn', env }), details);
    }
  });
});

describe('query parameters', () => {
  const get = (path: string) => t.request('GET', path, { token });

  test('limit, offset and after refuse non-numbers, negatives, floats, huge and empty values', async () => {
    const bad = ['abc', '-1', '1.5', '1e3', '0x10', '+5', '', '99999999999999999999', ' ', '1,2'];
    for (const path of ['/api/functions', '/api/functions/fn/executions']) {
      for (const value of bad) {
        const encoded = encodeURIComponent(value);
        await expect400(await get(`${path}?limit=${encoded}`), 'Expected limit');
        await expect400(await get(`${path}?offset=${encoded}`), 'Expected offset');
      }
    }
    for (const value of bad) {
      const logs = `/api/functions/fn/logs?after=${encodeURIComponent(value)}`;
      await expect400(await get(logs), 'Expected after to be an integer from 0');
    }
    await expect400(await get(`/api/functions?offset=${2 ** 53}`), `got '${2 ** 53}'`);
  });

  test('since refuses odd timestamps with what it expected and what came', async () => {
    for (const value of [
      '',
      'yesterday',
      '0000-01-01T00:00:00Z',
      '99999-01-01T00:00:00Z',
      '+099999-01-01T00:00:00Z',
      '2025-02-30T00:00:00Z',
      '2025-13-01',
      '2025-01-01T25:00:00Z',
      '2025/01/01',
      'Tue Mar 1 2022',
      '1969-12-31T23:59:59Z',
      '-1',
      '1.5',
      '99999999999999999999',
    ]) {
      const response = await get(`/api/functions/fn/logs?since=${encodeURIComponent(value)}`);
      await expect400(response, `Expected since to be an ISO 8601 time`);
    }
    for (const value of ['2025-01-01', '2025-01-01T10:00:00.5+02:00', '0', String(Date.now())]) {
      const response = await get(`/api/functions/fn/logs?since=${encodeURIComponent(value)}`);
      expect(response.status).toBe(200);
    }
  });

  test('a repeated single-valued query parameter answers 400 naming it and the count', async () => {
    const paths = {
      limit: '/api/functions',
      offset: '/api/functions/fn/executions',
      after: '/api/functions/fn/logs',
      since: '/api/functions/fn/logs',
      wait: '/api/functions/fn/logs',
      execution_id: '/api/functions/fn/logs',
      period: '/api/functions/fn/metrics',
    };
    for (const [name, path] of Object.entries(paths)) {
      const response = await get(`${path}?${name}=abc&${name}=1`);
      expect(await response.json()).toEqual({
        error: 'Invalid request',
        details: `Expected one ${name} query parameter, got 2`,
      });
      expect(response.status).toBe(400);
    }
    await expect400(await get('/api/functions?limit=1&limit=2&limit=3'), 'got 3');
  });

  test('period refuses anything but 1h, 24h and 7d, the empty value included', async () => {
    for (const value of ['', '1H', '30d', '-1h', 'constructor', '1h ']) {
      const response = await get(`/api/functions/fn/metrics?period=${encodeURIComponent(value)}`);
      await expect400(response, 'Expected period to be one of 1h, 24h, 7d');
    }
  });
});

describe('env size', () => {
  test("a function's env over 1 MiB in all answers 400 at env set and at deploy", async () => {
    const value = 'v'.repeat(32 * 1024);
    for (let i = 0; i < 31; i++) {
      const set = await t.request('PUT', `/api/functions/fn/env/BIG_${i}`, {
        token,
        json: { value },
      });
      expect(set.status).toBe(200);
    }
    const over = await t.request('PUT', '/api/functions/fn/env/BIG_31', { token, json: { value } });
    await expect400(over, "Expected a function's env vars to take at most 1 MiB in all");
    const deploy = await t.deploy(token, {
      name: 'fn',
      env: JSON.stringify({ BIG_31: value, BIG_32: value }),
    });
    await expect400(deploy, 'at most 1 MiB in all');
    const alone = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`K${i}`, value]));
    await expect400(await t.deploy(token, { name: 'other', env: JSON.stringify(alone) }), '1 MiB');
  });
});

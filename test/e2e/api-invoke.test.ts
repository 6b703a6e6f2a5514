import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  callApi,
  deployFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

let server: CompiledServer;
let token: string;

beforeAll(async () => {
  server = await startCompiledServer({ args: ['--max-concurrency', '2'] });
  token = await registerAccount(server.url);
  await deployFixture(server.url, token, { name: 'fn', fields: { timeout: '2', memory: '128' } });
  await deployFixture(server.url, token, { name: 'script', fixture: 'test_script' });
});
afterAll(() => server.stop());

const invoke = (body: unknown, name = 'fn') =>
  callApi(server.url, {
    method: 'POST',
    path: `/api/functions/${name}/invoke`,
    token,
    json: { body },
  });

describe('API invoke on the compiled server', () => {
  test('a successful invoke answers 200 with execution_id, status, result and duration_ms', async () => {
    const { status, body } = await invoke({ action: 'echo', value: 42 });
    expect(status).toBe(200);
    expect(body).toEqual({
      execution_id: expect.any(String),
      status: 'success',
      result: { echo: { action: 'echo', value: 42 }, method: 'POST', path: '/', query: {} },
      duration_ms: expect.any(Number),
      response: {
        status_code: 200,
        headers: expect.objectContaining({ 'content-type': expect.stringContaining('json') }),
      },
    });
  });

  test('the script contract answers the same way', async () => {
    const { status, body } = await invoke({ action: 'echo', value: 1 }, 'script');
    expect(status).toBe(200);
    expect(body.result).toMatchObject({ echo: { action: 'echo', value: 1 } });
  });

  test('a handler that throws answers 502 with status error and its message', async () => {
    const { status, body } = await invoke({ action: 'throw', message: 'kaput' });
    expect(status).toBe(502);
    expect(body).toMatchObject({
      status: 'error',
      result: null,
      error: expect.any(String),
      details: expect.stringContaining('kaput'),
    });
  });

  test('a program that exits answers 502 with status crashed', async () => {
    const { status, body } = await invoke({ action: 'exit', code: 7 });
    expect(status).toBe(502);
    expect(body).toMatchObject({ status: 'crashed', result: null });
    const record = await callApi(server.url, {
      path: `/api/functions/fn/executions/${body.execution_id}`,
      token,
    });
    expect(record.body).toMatchObject({ status: 'crashed', exit_code: 7 });
  });

  test('a function past its timeout answers 504 with status timeout', async () => {
    const { status, body } = await invoke({ action: 'sleep', ms: 10_000 });
    expect(status).toBe(504);
    expect(body).toMatchObject({ status: 'timeout', result: null });
    expect(body.duration_ms).toBeLessThan(8_000);
  });

  test('a function over its memory limit answers 502 with status out_of_memory where the host enforces it', async () => {
    const { status, body } = await invoke({ action: 'alloc', mb: 400 });
    if (!/cgroup: v[12] \(memory/.test(server.output())) {
      console.warn(
        'memory limits are not enforced on this host; only checking that the invoke ends',
      );
      expect([200, 502]).toContain(status);
      return;
    }
    expect(status).toBe(502);
    expect(body.status).toBe('out_of_memory');
  });

  test('a response over the 6 MiB cap answers 502 with status response_too_large', async () => {
    const { status, body } = await invoke({ action: 'big', mb: 7 });
    expect(status).toBe(502);
    expect(body).toMatchObject({ status: 'response_too_large', result: null });
  });

  test('output past the log cap is cut, and the logs say so', async () => {
    const run = await invoke({ action: 'output', mb: 2 });
    expect(run.status).toBe(200);
    const logs = await callApi(server.url, {
      path: `/api/functions/fn/logs?execution_id=${run.body.execution_id}&limit=1`,
      token,
    });
    expect(logs.body.logs[0].message).toContain('Logs truncated');
  });

  test('more concurrent invokes than the limit answer 429 with Retry-After', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => invoke({ action: 'sleep', ms: 1_000 })),
    );
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]?.body.error).toBe('Too many requests');
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
  });

  test('invoke passes method, path, query and headers and rejects malformed input with 400', async () => {
    const response = await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/fn/invoke',
      token,
      json: { body: { action: 'echo' }, method: 'PUT', path: '/a', query: { q: '1' } },
    });
    expect(response.body.result).toMatchObject({ method: 'PUT', path: '/a', query: { q: '1' } });

    const malformed = await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/fn/invoke',
      token,
      body: '{"body":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('Invalid request');
    const wrongType = await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/fn/invoke',
      token,
      json: { query: 'x' },
    });
    expect(wrongType.status).toBe(400);
  });

  test('invoke without a token, with a bad token or for an unknown function answers 401 or 404', async () => {
    expect(
      (await callApi(server.url, { method: 'POST', path: '/api/functions/fn/invoke', json: {} }))
        .status,
    ).toBe(401);
    expect(
      (
        await callApi(server.url, {
          method: 'POST',
          path: '/api/functions/fn/invoke',
          token: 'x',
          json: {},
        })
      ).status,
    ).toBe(401);
    const unknown = await callApi(server.url, {
      method: 'POST',
      path: '/api/functions/nope/invoke',
      token,
      json: {},
    });
    expect(unknown.status).toBe(404);
  });

  test("the function URL passes the function's status, headers and body through", async () => {
    const response = await fetch(`${server.url}/functions/fn/deep/path?k=v`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'respond',
        status: 418,
        headers: { 'x-teapot': 'yes', 'content-type': 'text/plain' },
        body: 'short and stout',
      }),
    });
    expect(response.status).toBe(418);
    expect(response.headers.get('x-teapot')).toBe('yes');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('short and stout');

    const echo = await fetch(`${server.url}/functions/fn/deep/path?k=v`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'echo' }),
    });
    expect(await echo.json()).toMatchObject({
      method: 'PATCH',
      path: '/deep/path',
      query: { k: 'v' },
    });
  });

  test('executions list newest first with limit, offset and total', async () => {
    const list = await callApi(server.url, { path: '/api/functions/fn/executions?limit=2', token });
    expect(list.status).toBe(200);
    expect(list.body.executions).toHaveLength(2);
    expect(list.body.total).toBeGreaterThan(5);
    const [newest, older] = list.body.executions;
    expect(Date.parse(newest.started_at)).toBeGreaterThanOrEqual(Date.parse(older.started_at));
    expect(Object.keys(newest).sort()).toEqual(
      [
        'duration_ms',
        'error',
        'exit_code',
        'finished_at',
        'function_id',
        'id',
        'limits',
        'peak_memory_bytes',
        'response_status',
        'signal',
        'started_at',
        'status',
      ].sort(),
    );
    const offset = await callApi(server.url, {
      path: '/api/functions/fn/executions?limit=1&offset=1',
      token,
    });
    expect(offset.body.executions[0].id).toBe(older.id);
    expect(
      (await callApi(server.url, { path: '/api/functions/fn/executions/exe_unknown', token })).body,
    ).toEqual({
      error: 'Not found',
      details: 'Execution not found',
    });
  });
});

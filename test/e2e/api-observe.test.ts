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
  server = await startCompiledServer();
  token = await registerAccount(server.url);
  await deployFixture(server.url, token, {
    name: 'fn',
    fields: { env: '{"GREETING":"hello","MODE":"test"}' },
  });
});
afterAll(() => server.stop());

const invoke = (body: unknown) =>
  callApi(server.url, { method: 'POST', path: '/api/functions/fn/invoke', token, json: { body } });
const logs = (query = '') => callApi(server.url, { path: `/api/functions/fn/logs${query}`, token });

describe('API logs, metrics and env on the compiled server', () => {
  test("an execution's prints and logger records become its logs, oldest first", async () => {
    const run = await invoke({ action: 'log', lines: 3, level: 'error' });
    expect(run.status).toBe(200);
    const { status, body } = await logs(`?execution_id=${run.body.execution_id}`);
    expect(status).toBe(200);
    expect(body.logs).toHaveLength(6);
    expect(body.logs[0]).toEqual({
      id: expect.any(Number),
      timestamp: expect.stringMatching(/Z$/),
      execution_id: run.body.execution_id,
      stream: expect.any(String),
      level: expect.any(String),
      message: expect.any(String),
      metadata: body.logs[0].stream === 'logger' ? expect.anything() : null,
    });
    const streams = new Set(body.logs.map((line: { stream: string }) => line.stream));
    expect(streams).toEqual(new Set(['logger', 'stdout']));
    expect(
      body.logs
        .filter((line: { stream: string; level: string }) => line.stream === 'logger')
        .every((line: { level: string }) => line.level === 'error'),
    ).toBe(true);
    const logger = body.logs.find((line: { stream: string }) => line.stream === 'logger');
    const stdout = body.logs.find((line: { stream: string }) => line.stream === 'stdout');
    expect(logger.metadata).toEqual({ line: 1 });
    expect(stdout.metadata).toBeNull();
    expect(body.cursor).toBe(body.logs.at(-1).id);
  });

  test('limit answers the newest lines and after follows from a cursor', async () => {
    const first = await logs();
    await invoke({ action: 'log', lines: 1, level: 'info' });
    const last = await logs('?limit=2');
    expect(last.body.logs).toHaveLength(2);
    expect(last.body.logs[1].id).toBeGreaterThan(first.body.cursor);

    const follow = await logs(`?after=${first.body.cursor}`);
    expect(follow.body.logs).toHaveLength(2);
    expect(follow.body.logs.every((line: { id: number }) => line.id > first.body.cursor)).toBe(
      true,
    );
    const nothing = await logs(`?after=${follow.body.cursor}`);
    expect(nothing.body).toEqual({ logs: [], cursor: follow.body.cursor });
  });

  test('since filters by time as ISO 8601 or Unix milliseconds', async () => {
    expect(
      (await logs(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).body.logs,
    ).toHaveLength(0);
    expect((await logs(`?since=${Date.now() - 3_600_000}`)).body.logs.length).toBeGreaterThan(0);
  });

  test('logs reject a bad limit, since or after with 400, and need a token', async () => {
    for (const query of ['?limit=0', '?limit=5000', '?since=tomorrow', '?after=-1']) {
      const response = await logs(query);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('Invalid request');
    }
    expect((await callApi(server.url, { path: '/api/functions/fn/logs' })).status).toBe(401);
    expect((await callApi(server.url, { path: '/api/functions/nope/logs', token })).status).toBe(
      404,
    );
  });

  test('metrics count invocations and errors with average and p95 durations', async () => {
    await invoke({ action: 'throw', message: 'counted' });
    const { status, body } = await callApi(server.url, {
      path: '/api/functions/fn/metrics?period=1h',
      token,
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      period: '1h',
      invocations: 3,
      errors: 1,
      error_rate: 1 / 3,
      avg_duration_ms: expect.any(Number),
      p95_duration_ms: expect.any(Number),
    });
    expect(body.p95_duration_ms).toBeGreaterThanOrEqual(body.avg_duration_ms * 0.5);
    for (const period of ['24h', '7d']) {
      expect(
        (await callApi(server.url, { path: `/api/functions/fn/metrics?period=${period}`, token }))
          .body.invocations,
      ).toBe(3);
    }
    expect(
      (await callApi(server.url, { path: '/api/functions/fn/metrics', token })).body.period,
    ).toBe('1h');
    expect(
      (await callApi(server.url, { path: '/api/functions/fn/metrics?period=2w', token })).status,
    ).toBe(400);
  });

  test('deploy env is listed, readable by key, and visible to the function', async () => {
    const list = await callApi(server.url, { path: '/api/functions/fn/env', token });
    expect(list.body).toEqual({ env: { GREETING: 'hello', MODE: 'test' } });
    expect(
      (await callApi(server.url, { path: '/api/functions/fn/env/GREETING', token })).body,
    ).toEqual({ key: 'GREETING', value: 'hello' });
    const seen = await invoke({ action: 'env', keys: ['GREETING', 'MODE'] });
    expect(seen.body.result).toEqual({ env: { GREETING: 'hello', MODE: 'test' } });
  });

  test('env set, delete and their error paths', async () => {
    const put = await callApi(server.url, {
      method: 'PUT',
      path: '/api/functions/fn/env/API_URL',
      token,
      json: { value: 'https://x' },
    });
    expect(put.body).toEqual({ key: 'API_URL', value: 'https://x' });
    expect((await invoke({ action: 'env', keys: ['API_URL'] })).body.result).toEqual({
      env: { API_URL: 'https://x' },
    });

    const del = await callApi(server.url, {
      method: 'DELETE',
      path: '/api/functions/fn/env/API_URL',
      token,
    });
    expect(del.body).toEqual({ key: 'API_URL', status: 'deleted' });
    const missing = await callApi(server.url, { path: '/api/functions/fn/env/API_URL', token });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('Not found');

    for (const [key, json] of [
      ['PATH', { value: '/tmp' }],
      ['DART_CLOUD_FRAME', { value: 'x' }],
      ['bad-name', { value: 'x' }],
      ['OK', { value: 5 }],
    ] as const) {
      expect(
        (
          await callApi(server.url, {
            method: 'PUT',
            path: `/api/functions/fn/env/${key}`,
            token,
            json,
          })
        ).status,
      ).toBe(400);
    }
    const malformed = await callApi(server.url, {
      method: 'PUT',
      path: '/api/functions/fn/env/OK',
      token,
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect((await callApi(server.url, { path: '/api/functions/fn/env' })).status).toBe(401);
    expect((await callApi(server.url, { path: '/api/functions/nope/env', token })).status).toBe(
      404,
    );
  });
});

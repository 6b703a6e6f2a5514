import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let token: string;
beforeEach(async () => {
  t = await createTestApp();
  token = await t.register();
  await t.deploy(token, { name: 'fn' });
});
afterEach(() => t.close());

interface LogPage {
  logs: Array<{
    id: number;
    timestamp: string;
    execution_id: string;
    stream: string;
    level: string;
    message: string;
  }>;
  cursor: number;
}
const invoke = (action: string) =>
  t.request('POST', '/api/functions/fn/invoke', { token, json: { body: { action } } });
const logs = async (query = '') =>
  (await (await t.request('GET', `/api/functions/fn/logs${query}`, { token })).json()) as LogPage;

describe('log, metric and env routes', () => {
  test('logs answer the newest lines oldest first, with a cursor for following', async () => {
    for (const action of ['echo', 'throw', 'exit']) await invoke(action);
    const all = await logs();
    expect(all.logs.map((line) => line.message)).toEqual(['ran echo', 'ran throw', 'ran exit']);
    expect(all.cursor).toBe(all.logs.at(-1)?.id ?? -1);

    const last = await logs('?limit=1');
    expect(last.logs.map((line) => line.message)).toEqual(['ran exit']);

    const after = await logs(`?after=${all.logs[0]?.id}`);
    expect(after.logs.map((line) => line.message)).toEqual(['ran throw', 'ran exit']);
    const none = await logs(`?after=${all.cursor}`);
    expect(none).toEqual({ logs: [], cursor: all.cursor });
  });

  test('logs filter by since and by execution id', async () => {
    const first = (await (await invoke('echo')).json()) as { execution_id: string };
    await invoke('exit');
    expect((await logs(`?execution_id=${first.execution_id}`)).logs).toHaveLength(1);
    expect((await logs(`?since=${Date.now() + 60_000}`)).logs).toHaveLength(0);
    expect((await logs('?since=2000-01-01T00:00:00Z')).logs).toHaveLength(2);
  });

  test('logs reject a bad limit, since or after with 400', async () => {
    for (const query of ['?limit=0', '?limit=1001', '?since=yesterday', '?after=x']) {
      expect((await t.request('GET', `/api/functions/fn/logs${query}`, { token })).status).toBe(
        400,
      );
    }
  });

  test('metrics count invocations and errors over a period', async () => {
    for (const action of ['echo', 'echo', 'echo', 'throw']) await invoke(action);
    const metrics = await (
      await t.request('GET', '/api/functions/fn/metrics?period=24h', { token })
    ).json();
    expect(metrics).toEqual({
      period: '24h',
      invocations: 4,
      errors: 1,
      error_rate: 0.25,
      avg_duration_ms: 5,
      p95_duration_ms: 5,
    });
    const bad = await t.request('GET', '/api/functions/fn/metrics?period=1y', { token });
    expect(bad.status).toBe(400);
  });

  test('env vars are set, read, listed, given to executions and deleted', async () => {
    const put = await t.request('PUT', '/api/functions/fn/env/API_KEY', {
      token,
      json: { value: 's3cret' },
    });
    expect(await put.json()).toEqual({ key: 'API_KEY', value: 's3cret' });
    expect(
      await (await t.request('GET', '/api/functions/fn/env/API_KEY', { token })).json(),
    ).toEqual({ key: 'API_KEY', value: 's3cret' });
    expect(await (await t.request('GET', '/api/functions/fn/env', { token })).json()).toEqual({
      env: { API_KEY: 's3cret' },
    });

    const seen = (await (await invoke('env')).json()) as {
      result: { env: Record<string, string> };
    };
    expect(seen.result.env).toEqual({ API_KEY: 's3cret' });

    expect(
      await (await t.request('DELETE', '/api/functions/fn/env/API_KEY', { token })).json(),
    ).toEqual({ key: 'API_KEY', status: 'deleted' });
    const gone = await t.request('GET', '/api/functions/fn/env/API_KEY', { token });
    expect(gone.status).toBe(404);
    expect((await t.request('DELETE', '/api/functions/fn/env/API_KEY', { token })).status).toBe(
      404,
    );
  });

  test('env rejects reserved names, bad names and non-string values with 400', async () => {
    for (const [key, json] of [
      ['PATH', { value: 'x' }],
      ['DART_CLOUD_X', { value: 'x' }],
      ['1BAD', { value: 'x' }],
      ['GOOD', { value: 1 }],
      ['GOOD', { nothing: true }],
    ] as const) {
      expect((await t.request('PUT', `/api/functions/fn/env/${key}`, { token, json })).status).toBe(
        400,
      );
    }
  });

  test('a deploy with env merges it into the existing variables', async () => {
    await t.request('PUT', '/api/functions/fn/env/KEEP', { token, json: { value: 'old' } });
    await t.deploy(token, { name: 'fn', env: '{"NEW":"1","KEEP":"new"}' });
    expect(await (await t.request('GET', '/api/functions/fn/env', { token })).json()).toEqual({
      env: { KEEP: 'new', NEW: '1' },
    });
  });
});

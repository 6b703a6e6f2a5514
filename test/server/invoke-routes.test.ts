import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let token: string;
let id: string;
beforeEach(async () => {
  t = await createTestApp();
  token = await t.register();
  id = (
    (await (await t.deploy(token, { name: 'fn', env: '{"GREETING":"hi"}' })).json()) as {
      id: string;
    }
  ).id;
});
afterEach(() => t.close());

const invoke = (json: unknown) => t.request('POST', `/api/functions/${id}/invoke`, { token, json });

describe('invoke routes', () => {
  test('invoke answers 200 with the result, the response and the duration', async () => {
    const response = await invoke({ body: { action: 'echo', n: 1 } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      execution_id: expect.stringMatching(/^exe_/),
      status: 'success',
      result: { echo: { action: 'echo', n: 1 }, method: 'POST', path: '/', query: {} },
      duration_ms: 5,
      response: { status_code: 200, headers: { 'content-type': 'application/json' } },
    });
  });

  test('invoke passes method, path, query, headers and the env to the runtime', async () => {
    await invoke({
      body: 'text',
      method: 'put',
      path: '/items/1',
      query: { q: 'x' },
      headers: { 'X-Trace': '1' },
    });
    const run = t.runtime.executed.at(-1);
    expect(run?.request).toEqual({
      method: 'PUT',
      path: '/items/1',
      query: { q: 'x' },
      headers: { 'x-trace': '1' },
      body: 'text',
    });
    expect(run?.env).toEqual({ GREETING: 'hi' });
    expect(run?.timeoutMs).toBe(30_000);
    expect(run?.memoryMb).toBe(512);
  });

  test('an empty invoke body gives the function a null body', async () => {
    const response = await t.request('POST', `/api/functions/${id}/invoke`, { token });
    expect(response.status).toBe(200);
    expect(t.runtime.executed.at(-1)?.request.body).toBeNull();
  });

  test('a timeout answers 504 and other failures 502, with error and details', async () => {
    const timeout = await invoke({ body: { action: 'sleep', ms: 30_000 } });
    expect(timeout.status).toBe(504);
    expect(await timeout.json()).toMatchObject({
      status: 'timeout',
      result: null,
      error: 'Function timed out',
    });

    const thrown = await invoke({ body: { action: 'throw', message: 'boom' } });
    expect(thrown.status).toBe(502);
    expect(await thrown.json()).toMatchObject({
      status: 'error',
      result: null,
      details: 'The handler threw: boom',
    });

    const crashed = await invoke({ body: { action: 'exit', code: 3 } });
    expect(crashed.status).toBe(502);
    expect(await crashed.json()).toMatchObject({ status: 'crashed', error: 'Function crashed' });
  });

  test('a busy function answers 429 with Retry-After and records no execution', async () => {
    const response = await invoke({ body: { action: 'busy' } });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(((await response.json()) as { error: string }).error).toBe('Too many requests');
    const history = (await (
      await t.request('GET', `/api/functions/${id}/executions`, { token })
    ).json()) as { total: number };
    expect(history.total).toBe(0);
  });

  test('an unexpected runtime error answers a generic 500 that hides its message', async () => {
    const response = await invoke({ body: { action: 'crash-server' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: 'Internal server error',
      details: 'An unexpected error occurred',
    });
    expect(text).not.toContain('secret');
  });

  test('invoke rejects malformed input with 400', async () => {
    for (const json of [
      [1],
      { method: 3 },
      { path: 'no-slash' },
      { query: { a: 1 } },
      { headers: 'x' },
    ]) {
      expect((await invoke(json)).status).toBe(400);
    }
    const bad = await t.request('POST', `/api/functions/${id}/invoke`, {
      token,
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
  });

  test('executions list newest first and one execution has the full record', async () => {
    await invoke({ body: { action: 'echo' } });
    await invoke({ body: { action: 'exit', code: 2 } });
    const list = (await (
      await t.request('GET', `/api/functions/${id}/executions?limit=1`, { token })
    ).json()) as {
      executions: Array<Record<string, unknown>>;
      total: number;
    };
    expect(list.total).toBe(2);
    expect(list.executions).toHaveLength(1);
    const newest = list.executions[0] ?? {};
    expect(newest).toMatchObject({ status: 'crashed', exit_code: 2, function_id: id });

    const one = await (
      await t.request('GET', `/api/functions/${id}/executions/${String(newest.id)}`, { token })
    ).json();
    expect(Object.keys(one as object).sort()).toEqual(
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
    const missing = await t.request('GET', `/api/functions/${id}/executions/exe_nope`, { token });
    expect(await missing.json()).toEqual({ error: 'Not found', details: 'Execution not found' });
  });

  test('the function URL passes the status, headers and body through', async () => {
    const response = await t.request('POST', `/functions/${id}/a/b?x=1`, {
      token,
      json: {
        action: 'respond',
        status: 201,
        headers: { 'x-custom': 'yes', 'content-type': 'text/plain' },
        body: 'made',
      },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.get('x-dart-cloud-execution-id')).toMatch(/^exe_/);
    expect(await response.text()).toBe('made');
    const seen = t.runtime.executed.at(-1)?.request;
    expect(seen).toMatchObject({ method: 'POST', path: '/a/b', query: { x: '1' } });
    expect(seen?.headers.authorization).toBeUndefined();
  });

  test('the function URL answers a failure as 502 JSON and needs a token', async () => {
    const failed = await t.request('POST', `/functions/${id}`, {
      token,
      json: { action: 'throw', message: 'x' },
    });
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ status: 'error', error: 'Function error' });
    expect((await t.request('GET', `/functions/${id}`)).status).toBe(401);
  });
});

/** Accounts own their functions, on the compiled server: another account gets 404 everywhere. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  callApi,
  deployArchive,
  packFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

// Argon2 logins, server starts and CLI runs are slow on a busy host.
setDefaultTimeout(30_000);

let server: CompiledServer;
let owner: string;
let intruder: string;
let functionId: string;
let executionId: string;

beforeAll(async () => {
  server = await startCompiledServer({ args: ['--allow-signup'] });
  owner = await registerAccount(server.url, 'owner@example.com');
  intruder = await registerAccount(server.url, 'intruder@example.com');
  const deploy = await deployArchive(server.url, owner, {
    name: 'private',
    archive: await packFixture('test_function'),
    fields: { env: JSON.stringify({ SECRET: 'owner-only' }) },
  });
  functionId = ((await deploy.json()) as { id: string }).id;
  const invoke = await callApi(server.url, {
    method: 'POST',
    path: `/api/functions/${functionId}/invoke`,
    token: owner,
    json: { body: { hello: 'world' } },
  });
  executionId = invoke.body.execution_id;
}, 60_000);
afterAll(() => server.stop());

/** Every route that names a function (`:fn`: its id or name), with a body where it takes one. */
const ROUTES: [method: string, path: string, json?: unknown][] = [
  ['GET', '/api/functions/:fn'],
  ['DELETE', '/api/functions/:fn'],
  ['POST', '/api/functions/:fn/invoke', { body: {} }],
  ['GET', '/api/functions/:fn/executions'],
  ['GET', '/api/functions/:fn/executions/:execution'],
  ['GET', '/api/functions/:fn/logs'],
  ['GET', '/api/functions/:fn/logs?after=0&wait=1'],
  ['GET', '/api/functions/:fn/metrics'],
  ['GET', '/api/functions/:fn/metrics?period=7d'],
  ['GET', '/api/functions/:fn/build-log'],
  ['GET', '/api/functions/:fn/env'],
  ['GET', '/api/functions/:fn/env/SECRET'],
  ['PUT', '/api/functions/:fn/env/SECRET', { value: 'stolen' }],
  ['DELETE', '/api/functions/:fn/env/SECRET'],
  ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].flatMap(
    (method): [string, string][] => [
      [method, '/functions/:fn'],
      [method, '/functions/:fn/some/deep/path?q=1'],
    ],
  ),
];

describe('ownership on the compiled server', () => {
  test("every endpoint answers 404 for another account's function, by id and by name", async () => {
    for (const fn of [functionId, 'private']) {
      for (const [method, template, json] of ROUTES) {
        const path = template.replace(':fn', fn).replace(':execution', executionId);
        const { status, body } = await callApi(server.url, { method, path, json, token: intruder });
        expect({ method, path, status }).toEqual({ method, path, status: 404 });
        if (method !== 'HEAD') {
          expect(body).toEqual({ error: 'Not found', details: 'Function not found' });
        }
      }
    }
  });

  test("the owner's function, env, executions and logs are untouched afterwards", async () => {
    const env = await callApi(server.url, {
      path: `/api/functions/${functionId}/env`,
      token: owner,
    });
    expect(env.body).toEqual({ env: { SECRET: 'owner-only' } });
    const executions = await callApi(server.url, {
      path: `/api/functions/${functionId}/executions`,
      token: owner,
    });
    expect(executions.body.total).toBe(1);
    const list = await callApi(server.url, { path: '/api/functions', token: intruder });
    expect(list.body).toEqual({ functions: [], total: 0 });
    const url = await callApi(server.url, {
      method: 'POST',
      path: `/functions/${functionId}`,
      token: owner,
      json: { ping: 1 },
    });
    expect(url.status).toBe(200);
  });

  test("another account's execution id answers 404 under the caller's own function", async () => {
    const own = await deployArchive(server.url, intruder, {
      name: 'mine',
      archive: await packFixture('test_function'),
    });
    expect(own.status).toBe(201);
    const execution = await callApi(server.url, {
      path: `/api/functions/mine/executions/${executionId}`,
      token: intruder,
    });
    expect(execution.status).toBe(404);
    const logs = await callApi(server.url, {
      path: `/api/functions/mine/logs?execution_id=${executionId}`,
      token: intruder,
    });
    expect(logs.body.logs).toEqual([]);
  });
});

/**
 * Accounts own their resources: every route of the app that names one in its path answers 404
 * to another account. The routes come from the app itself, so a route added later is covered
 * (or this test asks for a value for its new path parameter).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createApp } from '../../src/server/app.ts';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let owner: string;
let intruder: string;
const params: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp({ allowSignup: true });
  owner = await t.register('owner@example.com');
  intruder = await t.register('intruder@example.com');

  const deploy = (await (await t.deploy(owner, { name: 'private' })).json()) as { id: string };
  params.id = deploy.id;
  const invoke = await t.request('POST', '/api/functions/private/invoke', {
    token: owner,
    json: { body: {} },
  });
  params.execution_id = ((await invoke.json()) as { execution_id: string }).execution_id;
  await t.request('PUT', '/api/functions/private/env/SECRET', {
    token: owner,
    json: { value: 'owner-only' },
  });
  params.key = 'SECRET';
  const key = await t.request('POST', '/api/keys', { token: owner, json: { name: 'ci' } });
  if (key.status === 201) params.key_id = ((await key.json()) as { id: string }).id;
});
afterAll(() => t.close());

/** The app's routes whose paths name a resource. */
function routesWithParams(): { method: string; path: string }[] {
  const app = createApp({ services: t.services, secret: 'x'.repeat(64), version: '0.0.0' });
  return app.routes
    .map((route) => ({ method: route.method, path: route.path }))
    .filter((route) => route.path.includes(':'));
}

describe('ownership across every route', () => {
  test("every route that names a resource answers 404 for another account's, by id and by name", async () => {
    const routes = routesWithParams();
    expect(routes.length).toBeGreaterThan(10);

    for (const route of routes) {
      const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
      for (const name of names) {
        expect({ route: route.path, param: name, known: name in params }).toEqual({
          route: route.path,
          param: name,
          known: true,
        });
      }
      const methods =
        route.method === 'ALL' ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] : [route.method];
      const ids = route.path.includes(':id') ? [params.id as string, 'private'] : [''];

      for (const method of methods) {
        for (const id of ids) {
          const value = (name: string): string => (name === 'id' ? id : (params[name] as string));
          const path = route.path
            .replace(/:(\w+)/g, (_, name: string) => value(name))
            .replace('*', 'deep/path');
          const json = method === 'GET' ? undefined : { value: 'x', body: {}, password: 'x' };
          const response = await t.request(method, path, { token: intruder, json });
          const body = (await response.json()) as { error: string };
          expect({ method, path, status: response.status, error: body.error }).toEqual({
            method,
            path,
            status: 404,
            error: 'Not found',
          });
        }
      }
    }
  });

  test("lists show only the caller's own resources, and the owner's are untouched", async () => {
    const list = await t.request('GET', '/api/functions', { token: intruder });
    expect(await list.json()).toEqual({ functions: [], total: 0 });

    const env = await t.request('GET', '/api/functions/private/env/SECRET', { token: owner });
    expect(await env.json()).toEqual({ key: 'SECRET', value: 'owner-only' });
    const details = await t.request('GET', `/api/functions/${params.id}`, { token: owner });
    expect(details.status).toBe(200);
    const execution = await t.request(
      'GET',
      `/api/functions/private/executions/${params.execution_id}`,
      { token: owner },
    );
    expect(execution.status).toBe(200);
  });

  test('a deploy under the same name makes the other account its own function', async () => {
    const response = await t.deploy(intruder, { name: 'private' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string };
    expect(body.id).not.toBe(params.id);
    const ownerEnv = await t.request('GET', '/api/functions/private/env', { token: owner });
    expect(await ownerEnv.json()).toEqual({ env: { SECRET: 'owner-only' } });
  });
});

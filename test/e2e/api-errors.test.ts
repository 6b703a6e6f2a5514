import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  callApi,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

let server: CompiledServer;
let token: string;
beforeAll(async () => {
  server = await startCompiledServer();
  token = await registerAccount(server.url);
});
afterAll(() => server.stop());

/** Every authenticated endpoint, addressed at a function that does not exist. */
const ENDPOINTS: Array<[method: string, path: string, json?: unknown]> = [
  ['POST', '/api/auth/logout'],
  ['GET', '/api/auth/me'],
  ['POST', '/api/functions/deploy'],
  ['GET', '/api/functions'],
  ['GET', '/api/functions/missing'],
  ['DELETE', '/api/functions/missing'],
  ['POST', '/api/functions/missing/invoke', { body: {} }],
  ['GET', '/api/functions/missing/executions'],
  ['GET', '/api/functions/missing/executions/exe_x'],
  ['GET', '/api/functions/missing/logs'],
  ['GET', '/api/functions/missing/metrics'],
  ['GET', '/api/functions/missing/env'],
  ['GET', '/api/functions/missing/env/KEY'],
  ['PUT', '/api/functions/missing/env/KEY', { value: 'v' }],
  ['DELETE', '/api/functions/missing/env/KEY'],
  ['POST', '/functions/missing'],
  ['GET', '/functions/missing/any/path'],
];

describe('API error paths on the compiled server', () => {
  test('every authenticated endpoint answers 401 without a token', async () => {
    for (const [method, path, json] of ENDPOINTS) {
      const { status, body } = await callApi(server.url, { method, path, json });
      expect({ method, path, status }).toEqual({ method, path, status: 401 });
      expect(body).toEqual({
        error: 'Unauthorized',
        details: expect.stringContaining('bearer token'),
      });
    }
  });

  test('every authenticated endpoint answers 401 for a bad, forged or unsigned token', async () => {
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    for (const bad of ['garbage', forged, unsigned]) {
      for (const [method, path, json] of ENDPOINTS) {
        const { status, body } = await callApi(server.url, { method, path, json, token: bad });
        expect({ method, path, status }).toEqual({ method, path, status: 401 });
        expect(body).toEqual({ error: 'Unauthorized', details: 'Invalid token; log in again' });
      }
    }
  });

  test('every endpoint of a function answers 404 Function not found for an unknown id', async () => {
    for (const [method, path, json] of ENDPOINTS.filter(([, path]) => path.includes('missing'))) {
      const { status, body } = await callApi(server.url, { method, path, json, token });
      expect({ method, path, status }).toEqual({ method, path, status: 404 });
      expect(body).toEqual({ error: 'Not found', details: 'Function not found' });
    }
  });

  test('unknown routes and methods answer 404 Route not found', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/api'],
      ['PATCH', '/api/functions'],
      ['POST', '/api/health'],
    ] as const) {
      const { status, body } = await callApi(server.url, { method, path, token });
      expect({ method, path, status }).toEqual({ method, path, status: 404 });
      expect(body).toEqual({ error: 'Not found', details: 'Route not found' });
    }
  });

  test('malformed JSON bodies answer 400 on every JSON endpoint', async () => {
    for (const path of ['/api/auth/register', '/api/auth/login']) {
      const { status, body } = await callApi(server.url, {
        method: 'POST',
        path,
        body: '{"email"',
        headers: { 'content-type': 'application/json' },
      });
      expect(status).toBe(400);
      expect(body.error).toBe('Invalid request');
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { callApi, startCompiledServer, type CompiledServer } from '../helpers/compiled-server.ts';

let server: CompiledServer;
beforeAll(async () => {
  server = await startCompiledServer();
});
afterAll(() => server.stop());

const credentials = { email: 'first@example.com', password: 'correct-horse' };

describe('API auth on the compiled server', () => {
  test('health answers ok and the version', async () => {
    const { status, body } = await callApi(server.url, { path: '/api/health' });
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  test('the data directory, the database and the signing secret are owner-only', async () => {
    expect((await stat(server.dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(server.dataDir, 'secret'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(server.dataDir, 'dart_cloud.db'))).mode & 0o777).toBe(0o600);
    expect(server.output()).toContain('Dart SDK');
  });

  test('the first account registers, then sign-up is closed', async () => {
    const first = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/register',
      json: credentials,
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      token: expect.any(String),
      user: { id: expect.any(String), email: credentials.email },
    });

    const second = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/register',
      json: { email: 'second@example.com', password: 'correct-horse' },
    });
    expect(second.status).toBe(403);
    expect(second.body).toEqual({
      error: 'Forbidden',
      details: expect.stringContaining('--allow-signup'),
    });
  });

  test('login answers a token that works with me, and 401 for a wrong password', async () => {
    const login = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/login',
      json: credentials,
    });
    expect(login.status).toBe(200);
    const me = await callApi(server.url, { path: '/api/auth/me', token: login.body.token });
    expect(me.body).toEqual({ user: { id: login.body.user.id, email: credentials.email } });

    const wrong = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/login',
      json: { ...credentials, password: 'wrong-horse' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('Unauthorized');
  });

  test('logout revokes the token', async () => {
    const { body } = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/login',
      json: credentials,
    });
    const out = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/logout',
      token: body.token,
    });
    expect(out.body).toEqual({ status: 'logged_out' });
    const me = await callApi(server.url, { path: '/api/auth/me', token: body.token });
    expect(me.status).toBe(401);
  });

  test('no token, a bad token and a malformed header each answer 401 in the error shape', async () => {
    const none = await callApi(server.url, { path: '/api/functions' });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      error: 'Unauthorized',
      details: expect.stringContaining('Missing bearer token'),
    });
    const bad = await callApi(server.url, { path: '/api/functions', token: 'not.a.token' });
    expect(bad.body).toEqual({ error: 'Unauthorized', details: 'Invalid token; log in again' });
    const basic = await callApi(server.url, {
      path: '/api/functions',
      headers: { authorization: 'Basic eDp5' },
    });
    expect(basic.status).toBe(401);
  });

  test('malformed JSON, wrong types and missing fields answer 400 in the error shape', async () => {
    const malformed = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/login',
      body: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: 'Invalid request', details: expect.any(String) });

    for (const json of [
      { email: 1, password: 'correct-horse' },
      { email: credentials.email },
      'text',
    ]) {
      const response = await callApi(server.url, { method: 'POST', path: '/api/auth/login', json });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('Invalid request');
    }
  });

  test('an unknown route answers 404 in the error shape', async () => {
    const { status, body } = await callApi(server.url, { path: '/api/nope' });
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'Not found', details: 'Route not found' });
  });
});

describe('API sign-up with --allow-signup', () => {
  test('more accounts register and a taken email answers 409', async () => {
    const open = await startCompiledServer({ args: ['--allow-signup'] });
    try {
      for (const email of ['a@example.com', 'b@example.com']) {
        const response = await callApi(open.url, {
          method: 'POST',
          path: '/api/auth/register',
          json: { email, password: 'correct-horse' },
        });
        expect(response.status).toBe(201);
      }
      const taken = await callApi(open.url, {
        method: 'POST',
        path: '/api/auth/register',
        json: { email: 'a@example.com', password: 'correct-horse' },
      });
      expect(taken.status).toBe(409);
      expect(taken.body.error).toBe('Conflict');
    } finally {
      await open.stop();
    }
  });
});

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.close());

describe('auth routes', () => {
  test('health answers ok and the version without a token', async () => {
    const response = await t.request('GET', '/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: '0.1.0' });
  });

  test('the first registration succeeds with 201, a token and the user', async () => {
    const response = await t.request('POST', '/api/auth/register', {
      json: { email: 'Dev@Example.com', password: 'correct-horse' },
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { token: string; user: { id: string; email: string } };
    expect(body.token.split('.')).toHaveLength(3);
    expect(body.user.email).toBe('dev@example.com');
    expect(body.user.id).toMatch(/^usr_/);
  });

  test('registration is closed once an account exists', async () => {
    await t.register();
    const response = await t.request('POST', '/api/auth/register', {
      json: { email: 'other@example.com', password: 'correct-horse' },
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe('Forbidden');
  });

  test('registration stays open with allowSignup, and a taken email is a conflict', async () => {
    const open = await createTestApp({ allowSignup: true });
    try {
      await open.register('a@example.com');
      const second = await open.request('POST', '/api/auth/register', {
        json: { email: 'b@example.com', password: 'correct-horse' },
      });
      expect(second.status).toBe(201);
      const again = await open.request('POST', '/api/auth/register', {
        json: { email: 'a@example.com', password: 'correct-horse' },
      });
      expect(again.status).toBe(409);
    } finally {
      await open.close();
    }
  });

  test('registration rejects a bad email, a short password and wrong types with 400', async () => {
    for (const json of [
      { email: 'not-an-email', password: 'correct-horse' },
      { email: 'dev@example.com', password: 'short' },
      { email: 42, password: 'correct-horse' },
      { email: 'dev@example.com' },
      [1, 2],
    ]) {
      const response = await t.request('POST', '/api/auth/register', { json });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; details: string };
      expect(body.error).toBe('Invalid request');
      expect(body.details.length).toBeGreaterThan(0);
    }
  });

  test('malformed JSON answers 400 in the error shape', async () => {
    const response = await t.request('POST', '/api/auth/login', {
      body: '{"email": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'Invalid request',
      details: expect.stringContaining('valid JSON'),
    });
  });

  test('login answers a token for the right password and 401 otherwise', async () => {
    await t.register('dev@example.com', 'correct-horse');
    const ok = await t.request('POST', '/api/auth/login', {
      json: { email: 'dev@example.com', password: 'correct-horse' },
    });
    expect(ok.status).toBe(200);
    const wrong = await t.request('POST', '/api/auth/login', {
      json: { email: 'dev@example.com', password: 'wrong-horse' },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: 'Unauthorized',
      details: 'Invalid email or password',
    });
    const unknown = await t.request('POST', '/api/auth/login', {
      json: { email: 'x@example.com', password: 'correct-horse' },
    });
    expect(unknown.status).toBe(401);
  });

  test('me answers the user for a valid token and 401 for a missing or bad one', async () => {
    const token = await t.register();
    const me = await t.request('GET', '/api/auth/me', { token });
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('dev@example.com');

    const missing = await t.request('GET', '/api/auth/me');
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { details: string }).details).toContain(
      'Missing bearer token',
    );
    const bad = await t.request('GET', '/api/auth/me', { token: `${token}x` });
    expect(await bad.json()).toEqual({
      error: 'Unauthorized',
      details: 'Invalid token; log in again',
    });
    const garbage = await t.request('GET', '/api/auth/me', {
      headers: { authorization: 'Basic abc' },
    });
    expect(garbage.status).toBe(401);
  });

  test('logout revokes the token', async () => {
    const token = await t.register();
    const out = await t.request('POST', '/api/auth/logout', { token });
    expect(await out.json()).toEqual({ status: 'logged_out' });
    const after = await t.request('GET', '/api/auth/me', { token });
    expect(after.status).toBe(401);
  });

  test('an unknown route answers 404 in the error shape', async () => {
    const response = await t.request('GET', '/api/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'Not found', details: 'Route not found' });
  });
});

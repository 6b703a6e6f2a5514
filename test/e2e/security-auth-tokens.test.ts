/**
 * Tokens attacked as a hostile client would, on the compiled server: forged with the server's
 * own secret (read from the data directory) but with the wrong algorithm or expiry, signed with
 * a wrong key, malformed, revoked, and of a deleted account.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
let secret: string;
let token: string;
let userId: string;

beforeAll(async () => {
  server = await startCompiledServer({ args: ['--allow-signup'] });
  token = await registerAccount(server.url, 'owner@example.com');
  secret = readFileSync(join(server.dataDir, 'secret'), 'utf8').trim();
  userId = (await callApi(server.url, { path: '/api/auth/me', token })).body.user.id;
});
afterAll(() => server.stop());

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A token with any header and claims, its MAC made with `hash` under `key`. */
function forge(options: {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  key?: string;
  hash?: string;
}): string {
  const header = options.header ?? { alg: 'HS256', typ: 'JWT' };
  const claims = options.claims ?? {
    sub: userId,
    jti: crypto.randomUUID(),
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
  };
  const input = `${b64(header)}.${b64(claims)}`;
  const mac = createHmac(options.hash ?? 'sha256', options.key ?? secret)
    .update(input)
    .digest('base64url');
  return `${input}.${mac}`;
}

/** Asks two authenticated routes with a token; answers both results. */
async function tryToken(bad: string) {
  return Promise.all(
    ['/api/auth/me', '/api/functions'].map((path) => callApi(server.url, { path, token: bad })),
  );
}

const INVALID = { error: 'Unauthorized', details: 'Invalid token; log in again' };

describe('forged and broken tokens', () => {
  test('a token forged with the server secret, HS256 and a future expiry is accepted', async () => {
    // The control: the refusals below are for what each token changes, not for the forging.
    for (const response of await tryToken(forge({}))) expect(response.status).toBe(200);
  });

  test('alg none, unsigned or with a MAC, is refused as invalid', async () => {
    const claims = { sub: userId, jti: 'j', exp: nowSeconds() + 600 };
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    for (const bad of [unsigned, forge({ header: { alg: 'none' }, claims })]) {
      for (const response of await tryToken(bad)) {
        expect(response.status).toBe(401);
        expect(response.body).toEqual(INVALID);
      }
    }
  });

  test('HS512, HS384, RS256 and ES256 tokens are refused even with a valid MAC under the server secret', async () => {
    for (const [alg, hash] of [
      ['HS512', 'sha512'],
      ['HS384', 'sha384'],
      ['RS256', 'sha256'],
      ['ES256', 'sha256'],
    ]) {
      for (const response of await tryToken(forge({ header: { alg, typ: 'JWT' }, hash }))) {
        expect({ alg, status: response.status, body: response.body }).toEqual({
          alg,
          status: 401,
          body: INVALID,
        });
      }
    }
  });

  test('a token signed with another key, or with its payload changed, is refused', async () => {
    const [header, , signature] = forge({}).split('.');
    const other = b64({ sub: 'usr_other', jti: 'j', exp: nowSeconds() + 60 });
    const changed = `${header}.${other}.${signature}`;
    for (const bad of [forge({ key: 'not-the-server-secret' }), changed]) {
      for (const response of await tryToken(bad)) expect(response.body).toEqual(INVALID);
    }
  });

  test('a token without exp, or with a non-numeric one, is refused even when signed', async () => {
    for (const claims of [
      { sub: userId, jti: 'j' },
      { sub: userId, jti: 'j', exp: String(nowSeconds() + 600) },
      { sub: userId, exp: nowSeconds() + 600 },
    ]) {
      for (const response of await tryToken(forge({ claims }))) {
        expect(response.status).toBe(401);
        expect(response.body).toEqual(INVALID);
      }
    }
  });

  test('a signed token past its expiry answers 401 that says it expired', async () => {
    const claims = { sub: userId, jti: 'j', iat: nowSeconds() - 90_000, exp: nowSeconds() - 1 };
    for (const response of await tryToken(forge({ claims }))) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        error: 'Unauthorized',
        details: 'Token expired; log in again',
      });
    }
    // An expired token with a bad signature says nothing about its expiry.
    const unsigned = forge({ claims, key: 'wrong' });
    for (const response of await tryToken(unsigned)) expect(response.body).toEqual(INVALID);
  });

  test('malformed tokens and headers answer 401 in the error shape, never 500', async () => {
    for (const bad of ['abc', 'a.b', 'a.b.c.d', '..', 'a+b.c/d.e', `${'A'.repeat(5000)}.b.c`]) {
      for (const response of await tryToken(bad)) {
        expect({ bad: bad.slice(0, 20), status: response.status }).toEqual({
          bad: bad.slice(0, 20),
          status: 401,
        });
        expect(response.body).toEqual(INVALID);
      }
    }
    for (const authorization of ['Bearer', 'Bearer a b', 'Token abc', 'bearer']) {
      const response = await callApi(server.url, {
        path: '/api/auth/me',
        headers: { authorization },
      });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'Unauthorized', details: expect.any(String) });
    }
  });
});

describe('revoked tokens and deleted accounts', () => {
  test('a token used after logout answers 401 that says it was revoked', async () => {
    const login = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/login',
      json: { email: 'owner@example.com', password: 'correct-horse' },
    });
    const session = login.body.token as string;
    expect((await callApi(server.url, { path: '/api/auth/me', token: session })).status).toBe(200);
    await callApi(server.url, { method: 'POST', path: '/api/auth/logout', token: session });

    const after = await callApi(server.url, { path: '/api/functions', token: session });
    expect(after.status).toBe(401);
    expect(after.body.details).toContain('revoked');
    // Other sessions of the same account keep working.
    expect((await callApi(server.url, { path: '/api/auth/me', token })).status).toBe(200);
  });

  test('deleting an account needs its password, removes its functions, and ends its tokens', async () => {
    const doomed = await registerAccount(server.url, 'doomed@example.com', 'doomed-password');
    const doomedId = (await callApi(server.url, { path: '/api/auth/me', token: doomed })).body.user
      .id as string;
    const deploy = await deployArchive(server.url, doomed, {
      name: 'hello',
      archive: await packFixture('test_function'),
    });
    expect(deploy.status).toBe(201);
    const functionId = ((await deploy.json()) as { id: string }).id;
    expect(existsSync(join(server.dataDir, 'functions', functionId))).toBe(true);

    const remove = (json?: unknown) =>
      callApi(server.url, { method: 'DELETE', path: '/api/auth/account', token: doomed, json });
    expect((await remove()).status).toBe(400);
    const wrong = await remove({ password: 'not-the-password' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toBe('Forbidden');
    expect((await callApi(server.url, { path: '/api/auth/me', token: doomed })).status).toBe(200);

    const done = await remove({ password: 'doomed-password' });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ id: doomedId, status: 'deleted' });

    expect(existsSync(join(server.dataDir, 'functions', functionId))).toBe(false);
    const claims = { sub: doomedId, jti: 'fresh', exp: nowSeconds() + 600 };
    for (const bad of [doomed, forge({ claims })]) {
      for (const response of await tryToken(bad)) {
        expect(response.status).toBe(401);
        expect(response.body).toEqual({
          error: 'Unauthorized',
          details: expect.stringContaining('no longer exists'),
        });
      }
    }
    const login = await callApi(server.url, {
      method: 'POST',
      path: '/api/auth/login',
      json: { email: 'doomed@example.com', password: 'doomed-password' },
    });
    expect(login.status).toBe(401);
    expect((await callApi(server.url, { path: '/api/auth/me', token })).status).toBe(200);
  });
});

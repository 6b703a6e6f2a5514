/**
 * `dart_cloud logout` revokes the token on the server, not only in the CLI's credentials file;
 * `dart_cloud account delete` ends the account and every token of it.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callApi } from '../helpers/compiled-server.ts';
import { startWorld, type CliWorld } from './cli-harness.ts';

// Argon2 logins, server starts and CLI runs are slow on a busy host.
setDefaultTimeout(30_000);

const EMAIL = 'leaver@example.com';
const PASSWORD = 'correct-horse-battery';

let world: CliWorld;
beforeAll(async () => {
  world = await startWorld();
}, 30_000);
afterAll(async () => {
  await world?.stop();
});

const credentialsFile = (): string =>
  join(world.env.XDG_CONFIG_HOME ?? '', 'dart_cloud', 'credentials.json');

function savedToken(): string | undefined {
  if (!existsSync(credentialsFile())) return undefined;
  const saved = JSON.parse(readFileSync(credentialsFile(), 'utf8')) as {
    servers: Record<string, { token: string }>;
  };
  return saved.servers[world.url]?.token;
}

describe('logout through the CLI', () => {
  test('the token saved before logout answers 401 afterwards, and the CLI forgets it', async () => {
    const register = await world.run(['register', '--email', EMAIL, '--password', PASSWORD]);
    expect(register.code).toBe(0);
    const token = savedToken();
    expect(token).toBeString();
    expect((await callApi(world.url, { path: '/api/auth/me', token })).status).toBe(200);

    const logout = await world.run(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.stderr).toBe('');
    expect(logout.stdout).toContain(`Logged out of ${world.url}`);

    const after = await callApi(world.url, { path: '/api/functions', token });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({
      error: 'Unauthorized',
      details: expect.stringContaining('revoked'),
    });
    expect(savedToken()).toBeUndefined();
    expect((await world.run(['whoami'])).code).not.toBe(0);
  });

  test('logging in again gives a new token that works while the old one stays revoked', async () => {
    const login = await world.run(['login', '--email', EMAIL, '--password', PASSWORD]);
    expect(login.code).toBe(0);
    const token = savedToken();
    expect((await callApi(world.url, { path: '/api/auth/me', token })).status).toBe(200);
    const whoami = await world.run(['whoami']);
    expect(whoami.stdout).toContain(EMAIL);
  });

  test('account delete asks for --yes without a terminal, checks the password, then ends the account', async () => {
    const token = savedToken();
    const unconfirmed = await world.run(['account', 'delete', '--password', PASSWORD]);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toContain('--yes');

    const wrong = await world.run(['account', 'delete', '--yes', '--password', 'not-my-password']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('The password is wrong');
    expect((await callApi(world.url, { path: '/api/auth/me', token })).status).toBe(200);

    const deleted = await world.run(['account', 'delete', '--yes'], {
      env: { DART_CLOUD_PASSWORD: PASSWORD },
    });
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted the account ${EMAIL} on ${world.url}`);
    expect(savedToken()).toBeUndefined();

    const after = await callApi(world.url, { path: '/api/auth/me', token });
    expect(after.status).toBe(401);
    expect(after.body.details).toContain('no longer exists');
    expect((await world.run(['login', '--email', EMAIL, '--password', PASSWORD])).code).not.toBe(0);
  });
});

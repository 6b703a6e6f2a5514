/**
 * Long polling of logs on the compiled server: `wait` holds the answer until lines after the
 * cursor exist, so following logs costs one request per batch instead of one a second.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BINARY,
  callApi,
  deployArchive,
  packFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';
import { spawnLive } from './cli-harness.ts';

// Argon2 logins, server starts and CLI runs are slow on a busy host.
setDefaultTimeout(30_000);

let server: CompiledServer;
let token: string;
let cursor: number;

const logsPath = (query: string) => `/api/functions/follow/logs?${query}`;

beforeAll(async () => {
  server = await startCompiledServer({
    args: ['--rate-limit-minute', '60', '--rate-limit-hour', '300'],
  });
  token = await registerAccount(server.url);
  const deploy = await deployArchive(server.url, token, {
    name: 'follow',
    archive: await packFixture('test_function'),
  });
  expect(deploy.status).toBe(201);
  cursor = (await callApi(server.url, { path: logsPath('limit=1'), token })).body.cursor;
}, 60_000);
afterAll(() => server.stop());

function invokeLogging(lines: number) {
  return callApi(server.url, {
    method: 'POST',
    path: '/api/functions/follow/invoke',
    token,
    json: { body: { action: 'log', lines } },
  });
}

describe('long polling of logs', () => {
  test('a held request answers as soon as new lines exist, with them and the next cursor', async () => {
    const start = performance.now();
    const held = callApi(server.url, { path: logsPath(`after=${cursor}&wait=20`), token });
    await Bun.sleep(700);
    expect((await invokeLogging(2)).status).toBe(200);

    const { status, body } = await held;
    const elapsed = performance.now() - start;
    expect(status).toBe(200);
    expect(elapsed).toBeGreaterThan(600);
    expect(elapsed).toBeLessThan(10_000);
    expect(body.logs.length).toBeGreaterThan(0);
    expect(body.logs.map((line: { message: string }) => line.message)).toContain(
      'logger line 1 of 2',
    );
    expect(body.cursor).toBeGreaterThan(cursor);
    cursor = body.cursor;
  });

  test('with no new lines the answer comes after the wait, empty, with the same cursor', async () => {
    const start = performance.now();
    const { status, body } = await callApi(server.url, {
      path: logsPath(`after=${cursor}&wait=1`),
      token,
    });
    expect(status).toBe(200);
    expect(performance.now() - start).toBeGreaterThan(900);
    expect(body).toEqual({ logs: [], cursor });
  });

  test('lines already there answer at once, wait or not', async () => {
    const start = performance.now();
    const { body } = await callApi(server.url, { path: logsPath('after=0&wait=30'), token });
    expect(body.logs.length).toBeGreaterThan(0);
    expect(performance.now() - start).toBeLessThan(2_000);
  });

  test('a held request counts once against the rate limit, however long it waits', async () => {
    const first = await callApi(server.url, { path: '/api/auth/me', token });
    const before = Number(first.headers.get('ratelimit-remaining'));
    await callApi(server.url, { path: logsPath(`after=${cursor}&wait=2`), token });
    const after = await callApi(server.url, { path: '/api/auth/me', token });
    expect(Number(after.headers.get('ratelimit-remaining'))).toBe(before - 2);
  });

  test('wait outside 0 to 30 seconds, or not a number, answers 400', async () => {
    for (const wait of ['31', '-1', 'soon', '1.5', '']) {
      const { status, body } = await callApi(server.url, {
        path: logsPath(`after=0&wait=${wait}`),
        token,
      });
      expect({ wait, status }).toEqual({ wait, status: 400 });
      expect(body.error).toBe('Invalid request');
    }
  });

  test('logs --follow holds its requests: a few per minute while idle, and new lines at once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dart-cloud-follow-'));
    const follow = spawnLive({
      cmd: [BINARY, 'logs', 'follow', '--follow', '--lines', '1', '--format', 'json'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        XDG_CONFIG_HOME: join(home, 'config'),
        DART_CLOUD_SERVER: server.url,
        DART_CLOUD_TOKEN: token,
        NO_COLOR: '1',
      },
    });
    try {
      await follow.waitFor(/\n/);
      const before = Number(
        (await callApi(server.url, { path: '/api/auth/me', token })).headers.get(
          'ratelimit-remaining',
        ),
      );
      await Bun.sleep(3_000);
      const idle = await callApi(server.url, { path: '/api/auth/me', token });
      // One `me`, and at most the one held request that was already under way: not one a second.
      expect(before - Number(idle.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(2);

      const invoked = performance.now();
      await invokeLogging(1);
      await follow.waitFor(/logger line 1 of 1/);
      expect(performance.now() - invoked).toBeLessThan(3_000);

      follow.proc.kill('SIGINT');
      expect(await follow.proc.exited).toBe(0);
    } finally {
      follow.proc.kill('SIGKILL');
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import {
  createTestRuntime,
  explainSkip,
  handlerRun,
  host,
  isRoot,
  json,
  processesOf,
  workDirsLeft,
  type TestRuntime,
} from './helpers.ts';

let t: TestRuntime;
let listener: Server;
let port = 0;

beforeAll(async () => {
  t = await createTestRuntime();
  listener = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  listener.close();
  await t.cleanup();
});

const runAs = isRoot && host.user !== null;
explainSkip('run-as user tests', 'the server running as root with a run-as user', runAs);
explainSkip('network namespace tests', 'unshare --net', host.networkNamespace);
explainSkip('the process namespace test', 'root and unshare --pid', host.pidNamespace);

describe('working directory', () => {
  test('each execution runs in its own empty directory, also HOME and TMPDIR, removed afterwards', async () => {
    const first = await t.runtime.execute(handlerRun(t, { action: 'whoami' }));
    const second = await t.runtime.execute(handlerRun(t, { action: 'whoami' }));
    const a = json(first.response?.body) as { cwd: string };
    const b = json(second.response?.body) as { cwd: string };
    expect(a.cwd).not.toBe(b.cwd);
    expect(a.cwd.startsWith(t.sandboxDir)).toBe(true);
    expect(existsSync(a.cwd)).toBe(false);

    const env = await t.runtime.execute(handlerRun(t, { action: 'env', keys: ['HOME', 'TMPDIR'] }));
    const { HOME, TMPDIR } = (json(env.response?.body) as { env: Record<string, string> }).env;
    expect(HOME).toBe(TMPDIR);
    expect(HOME?.endsWith('/home')).toBe(true);
    expect(workDirsLeft(t)).toEqual([]);
  });

  test('write inside the working directory works and leaves nothing behind', async () => {
    const outcome = await t.runtime.execute(handlerRun(t, { action: 'write', path: 'note.txt' }));
    expect(json(outcome.response?.body)).toEqual({ ok: true, error: null });
    expect(workDirsLeft(t)).toEqual([]);
  });
});

describe.skipIf(!runAs)('run-as user', () => {
  test('the function runs as the unprivileged user', async () => {
    const outcome = await t.runtime.execute(handlerRun(t, { action: 'whoami' }));
    const me = json(outcome.response?.body) as { uid: number };
    expect(me.uid).not.toBe(0);
    expect(outcome.limits.user).toBe(host.user);
  });

  test('the data directory cannot be read', async () => {
    const outcome = await t.runtime.execute(
      handlerRun(t, { action: 'read', path: join(t.dataDir, 'secret.txt') }),
    );
    const result = json(outcome.response?.body) as { ok: boolean; error: string };
    expect(result.ok).toBe(false);
    // Denied, or not even there: this test's data directory is under /tmp, which is private.
    expect(result.error).toMatch(/EACCES|ENOENT/);
  });

  test('write outside the working directory fails', async () => {
    for (const path of [
      join(t.dataDir, 'planted.txt'),
      '/etc/dart_cloud_planted',
      join(t.sandboxDir, 'planted'),
    ]) {
      const outcome = await t.runtime.execute(handlerRun(t, { action: 'write', path }));
      expect((json(outcome.response?.body) as { ok: boolean }).ok).toBe(false);
      expect(existsSync(path)).toBe(false);
    }
  });

  test.skipIf(!host.pidNamespace)(
    'a function cannot see the processes, and so the secrets, of another running function',
    async () => {
      const other = handlerRun(t, { action: 'sleep', ms: 1500 }, { env: { SECRET: 'hunter2' } });
      const running = t.runtime.execute(other);
      await Bun.sleep(400);
      const pids = processesOf(other.executionId);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) {
        const path = `/proc/${pid}/environ`;
        const outcome = await t.runtime.execute(
          handlerRun(t, { action: 'read', path }, { functionId: 'spy' }),
        );
        expect((json(outcome.response?.body) as { ok: boolean }).ok).toBe(false);
      }
      const me = await t.runtime.execute(
        handlerRun(t, { action: 'whoami' }, { functionId: 'spy' }),
      );
      expect((json(me.response?.body) as { pid: number }).pid).toBe(1);
      expect((await running).status).toBe('success');
    },
  );

  test('installed programs of other deployments cannot be read', async () => {
    const outcome = await t.runtime.execute(handlerRun(t, { action: 'read', path: t.script }));
    expect((json(outcome.response?.body) as { ok: boolean }).ok).toBe(false);
  });
});

describe('environment', () => {
  test('env shows the function’s variables and the platform ones, never the server’s', async () => {
    process.env.DART_CLOUD_TEST_SERVER_SECRET = 'server-only';
    const options = handlerRun(
      t,
      { action: 'env' },
      { env: { GREETING: 'hello', DART_CLOUD_FAKE: 'x' } },
    );
    const outcome = await t.runtime.execute(options);
    const { env } = json(outcome.response?.body) as { env: Record<string, string> };
    expect(Object.keys(env).sort()).toEqual(
      [
        'DART_CLOUD_EXECUTION_ID',
        'DART_CLOUD_FRAME',
        'DART_CLOUD_FUNCTION_ID',
        'DART_CLOUD_FUNCTION_NAME',
        'DART_CLOUD_PROTOCOL',
        'GREETING',
        'HOME',
        'LANG',
        'PATH',
        'TMPDIR',
      ].sort(),
    );
    expect(env.GREETING).toBe('hello');
    expect(env.DART_CLOUD_EXECUTION_ID).toBe(options.executionId);
    expect(env.DART_CLOUD_FRAME).toMatch(/^[0-9a-f]{32}$/);
    expect(env.PATH).toBe('/usr/local/bin:/usr/bin:/bin');
    expect(env.DART_CLOUD_TEST_SERVER_SECRET).toBeUndefined();
    delete process.env.DART_CLOUD_TEST_SERVER_SECRET;
  });
});

describe('network', () => {
  test('connect reaches a loopback listener when the network is allowed', async () => {
    const outcome = await t.runtime.execute(
      handlerRun(t, { action: 'connect', host: '127.0.0.1', port }),
    );
    expect(json(outcome.response?.body)).toEqual({ ok: true, error: null });
    expect(outcome.limits.network).toBe('host');
  });

  test.skipIf(!host.networkNamespace)('network: false cannot connect anywhere', async () => {
    const outcome = await t.runtime.execute(
      handlerRun(t, { action: 'connect', host: '127.0.0.1', port }, { network: false }),
    );
    expect((json(outcome.response?.body) as { ok: boolean }).ok).toBe(false);
    expect(outcome.limits.network).toBe('none');
  });
});

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCredentials } from '../../src/runtime/sandbox/host.ts';
import { callApi } from '../helpers/compiled-server.ts';
import {
  explainSkip,
  host,
  runsAsUser,
  sandboxRoot,
  startSandboxWorld,
  workDirsLeft,
  type SandboxWorld,
} from './sandbox-harness.ts';

// Each test starts or drives servers and their executions; a busy host is slower.
setDefaultTimeout(30_000);

const SERVER_SECRET = `server-only-${crypto.randomUUID()}`;
let world: SandboxWorld;

beforeAll(async () => {
  // Where a real server keeps its data (not under /tmp, which functions get a private copy of),
  // so that only permissions stand between a function and the data directory.
  const dataDir = runsAsUser ? mkdtempSync('/var/lib/dart-cloud-e2e-') : undefined;
  world = await startSandboxWorld({
    ...(dataDir === undefined ? {} : { dataDir }),
    functions: {
      fn: {
        fields: { env: JSON.stringify({ GREETING: 'hello', API_URL: 'http://example.test' }) },
      },
      other: { fields: { env: JSON.stringify({ OTHER_SECRET: 'not-for-fn' }) } },
    },
    env: { DART_CLOUD_TEST_SECRET: SERVER_SECRET },
  });
});
afterAll(() => world.server.stop());

explainSkip('the end-to-end run-as user tests', 'the server running as root', runsAsUser);

const call = async (body: unknown) => {
  const { status, body: answer } = await world.invoke('fn', body);
  expect(status).toBe(200);
  return answer.result;
};

const get = (path: string) => callApi(world.server.url, { path, token: world.token });

/** Every regular file under a directory. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isFile());
}

describe('working directory on the compiled server', () => {
  test('each execution gets its own directory as cwd, HOME and TMPDIR, removed afterwards', async () => {
    const first = await call({ action: 'whoami' });
    const second = await call({ action: 'whoami' });
    expect(first.cwd).not.toBe(second.cwd);
    expect(existsSync(first.cwd)).toBe(false);
    expect(existsSync(second.cwd)).toBe(false);

    const { env } = await call({ action: 'env', keys: ['HOME', 'TMPDIR'] });
    expect(env.HOME).toBe(env.TMPDIR);
    expect(env.HOME).toMatch(/\/work\/exe_[0-9a-f]+\/home$/);
    expect(await call({ action: 'write', path: 'note.txt' })).toEqual({ ok: true, error: null });
    expect(workDirsLeft(world.server.dataDir)).toEqual([]);
  });
});

describe.skipIf(!runsAsUser)('files outside the working directory on the compiled server', () => {
  test('the function runs as the unprivileged run-as user', async () => {
    const me = await call({ action: 'whoami' });
    const user = resolveCredentials(host.user ?? 'nobody');
    expect(me.uid).toBe(user?.uid);
    expect(me.uid).not.toBe(0);
    const { body } = await world.invoke('fn', { action: 'echo' });
    expect((await world.record('fn', body.execution_id)).limits.user).toBe(host.user);
  });

  test('write outside the working directory fails and leaves no file', async () => {
    const { dataDir } = world.server;
    const root = sandboxRoot(dataDir);
    for (const path of [
      join(dataDir, 'planted.txt'),
      join(dataDir, 'runtime', 'bin', 'planted'),
      join(root, 'planted'),
      join(root, 'work', 'planted'),
      '/etc/dart_cloud_planted',
      '/root/dart_cloud_planted',
    ]) {
      const result = await call({ action: 'write', path });
      expect({ path, ok: result.ok }).toEqual({ path, ok: false });
      expect(existsSync(path)).toBe(false);
    }
  });

  test("the data directory, with the database, the secret and other functions' builds, cannot be read", async () => {
    const { dataDir } = world.server;
    const other = (await get('/api/functions/other')).body.id as string;
    const files = filesUnder(dataDir);
    const targets = [
      join(dataDir, 'dart_cloud.db'),
      join(dataDir, 'secret'),
      ...files.filter((path) => path.includes(other)).slice(0, 3),
      ...files.filter((path) => path.includes(join('runtime', 'bin'))).slice(0, 2),
    ];
    expect(targets.length).toBeGreaterThanOrEqual(4);
    for (const path of targets) {
      expect(existsSync(path)).toBe(true);
      const result = await call({ action: 'read', path });
      expect({ path, ok: result.ok, bytes: result.bytes }).toEqual({ path, ok: false, bytes: 0 });
      expect(result.error).toContain('EACCES');
    }
  });

  test.skipIf(!host.pidNamespace)(
    'what a function writes to /tmp, /var/tmp or /dev/shm is its own and gone afterwards',
    async () => {
      for (const dir of ['/tmp', '/var/tmp', '/dev/shm']) {
        const path = join(dir, `dart-cloud-e2e-${crypto.randomUUID()}`);
        expect(await call({ action: 'write', path })).toEqual({ ok: true, error: null });
        expect(existsSync(path)).toBe(false);
        const { body } = await world.invoke('other', { action: 'read', path });
        expect(body.result).toMatchObject({ ok: false, bytes: 0 });
      }
    },
  );

  test("the server's own environment cannot be read through /proc", async () => {
    const result = await call({ action: 'read', path: `/proc/${world.server.pid}/environ` });
    expect(result).toMatchObject({ ok: false, bytes: 0 });
  });
});

describe('environment on the compiled server', () => {
  test("env shows the function's variables and the documented platform ones, nothing else", async () => {
    const { body } = await world.invoke('fn', { action: 'env' });
    const { env } = body.result as { env: Record<string, string> };
    expect(Object.keys(env).sort()).toEqual(
      [
        'API_URL',
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
    const details = await get('/api/functions/fn');
    expect(env).toMatchObject({
      GREETING: 'hello',
      API_URL: 'http://example.test',
      DART_CLOUD_PROTOCOL: '1',
      DART_CLOUD_FUNCTION_ID: details.body.id,
      DART_CLOUD_FUNCTION_NAME: 'fn',
      DART_CLOUD_EXECUTION_ID: body.execution_id,
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
    });
    expect(env.DART_CLOUD_FRAME).toMatch(/^[0-9a-f]{32}$/);
  });

  test("neither the server's secret and config nor the caller's token reach the function", async () => {
    const response = await fetch(`${world.server.url}/functions/fn`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'env' }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const signingSecret = readFileSync(join(world.server.dataDir, 'secret'), 'utf8').trim();
    for (const secret of [SERVER_SECRET, world.token, signingSecret, world.server.dataDir])
      expect(text).not.toContain(secret);
    expect(text).not.toContain('DART_CLOUD_TEST_SECRET');
    expect(text).not.toContain('DART_CLOUD_DART');
    expect(text).not.toContain('not-for-fn');
  });
});

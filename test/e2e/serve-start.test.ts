/** `dart_cloud serve` refuses a taken port, a data directory in use, and bad places to start. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BINARY,
  DART,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

let server: CompiledServer;
let tmp: string;

beforeAll(async () => {
  server = await startCompiledServer();
  tmp = mkdtempSync(join(tmpdir(), 'dart-cloud-serve-start-'));
}, 30_000);

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs `dart_cloud serve` with `args`; a server that starts is killed after 5 s. */
async function serve(args: string[]): Promise<{ code: number; stderr: string }> {
  const child = Bun.spawn([BINARY, 'serve', ...args], {
    env: { ...process.env, DART_CLOUD_DART: DART, DART_CLOUD_LOG_LEVEL: 'warn', NO_COLOR: '1' },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 5_000,
  });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  return { code, stderr };
}

describe('dart_cloud serve', () => {
  test('the start-up names its URL once, in the one dart_cloud listening on line', () => {
    const lines = server.output().split('\n');
    expect(lines.filter((line) => line.includes(server.url))).toEqual([
      `dart_cloud listening on ${server.url}`,
    ]);
    expect(server.output()).not.toMatch(/Listening on/);
  });

  test('the start-up log names the stand-in toolchain as a stand-in', () => {
    if (process.env.DART_CLOUD_TEST_REAL_DART) return;
    expect(server.output()).toContain(
      'Dart SDK version: 3.10.4 (stable) (dart_cloud test stand-in, not a real SDK) on "linux_x64"',
    );
  });

  test('a second server on a port already in use exits 1 and names the port', async () => {
    const port = new URL(server.url).port;
    const result = await serve(['--port', port, '--data-dir', join(tmp, 'other')]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
  });

  test('a second server on a data directory in use exits 1 and names the holder', async () => {
    const result = await serve(['--port', '0', '--data-dir', server.dataDir]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `The data directory ${server.dataDir} is in use by another dart_cloud server (pid ${server.pid})`,
    );
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
  });

  test('a lock left by a server that is gone is taken over', async () => {
    const dataDir = join(tmp, 'stale');
    const first = await startCompiledServer({ dataDir });
    await first.stop({ keepData: true });
    writeFileSync(join(dataDir, 'server.lock'), '999999999\n');

    const second = await startCompiledServer({ dataDir });
    try {
      expect((await fetch(`${second.url}/api/health`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  }, 30_000);

  test('an address that is not one exits 1 with a message about --host', async () => {
    const dataDir = join(tmp, 'h');
    const result = await serve(['--host', '999.1.1.1', '--port', '0', '--data-dir', dataDir]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot listen on 999.1.1.1');
    expect(result.stderr).not.toContain('EAGAIN');
  });

  test('a data directory that is a file exits 1 with a message about --data-dir', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'not a directory');
    const result = await serve(['--port', '0', '--data-dir', file]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot use ${file} as the data directory`);
    expect(result.stderr).not.toContain('EEXIST');
  });
});

import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHostCapabilities } from '../../src/runtime/executor.ts';
import { resolveCredentials } from '../../src/runtime/sandbox/host.ts';
import { BINARY, DART } from '../helpers/compiled-server.ts';
import {
  explainSkip,
  host,
  isRoot,
  processesOf,
  startSandboxWorld,
  type SandboxWorld,
} from './sandbox-harness.ts';

// Each test starts or drives servers and their executions; a busy host is slower.
setDefaultTimeout(30_000);

const nobody = resolveCredentials('nobody');
const canDropRoot = isRoot && nobody !== null;
explainSkip(
  'the end-to-end test of a server without root or cgroups',
  'a root test runner (to start the server as nobody)',
  canDropRoot,
);

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

async function runDoctor(args: string[] = []) {
  const child = Bun.spawn([BINARY, 'doctor', ...args], {
    env: { ...process.env, DART_CLOUD_DART: DART, NO_COLOR: '1' },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  return { stdout, code };
}

/** How often a line occurs in a text. */
function occurrences(text: string, line: string): number {
  return text.split('\n').filter((candidate) => candidate.includes(line)).length;
}

/** Doctor's `label: value` lines (aligned or not), as [label, value] pairs in order. */
function parsePairs(text: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => /^([^:]+):\s*(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1] ?? '', match[2] ?? '']);
}

describe('dart_cloud doctor', () => {
  test('doctor prints the Dart SDK, cgroup version and limits, run-as user and namespaces', async () => {
    const { stdout, code } = await runDoctor();
    expect(code).toBe(0);
    const pairs = parsePairs(stdout);
    const value = (label: string) => pairs.find(([key]) => key === label)?.[1];
    expect(value('dart')).toEndWith('/dart');
    expect(value('dart version')).toMatch(/\d+\.\d+\.\d+/);
    expect(value('cgroup')).toMatch(/^(v1|v2|none)/);
    expect(value('swap limited')).toMatch(/^(yes|no)$/);
    expect(value('run-as user')).toMatch(/^\S+/);
    expect(value('network namespace')).toMatch(/^(yes|no)$/);
    expect(value('process namespace')).toMatch(/^(yes|no)$/);
    const expected = renderHostCapabilities(host).map((line) => line.split(/: (.*)/).slice(0, 2));
    expect(pairs.slice(2)).toEqual(expected as [string, string][]);

    if (host.memory && host.pids) expect(value('cgroup')).toBe(`${host.cgroup} (memory, pids)`);
    if (canDropRoot) expect(value('run-as user')).toBe('nobody');
  });

  test.skipIf(!isRoot)(
    'doctor --run-as names a user that does not exist as not enforced',
    async () => {
      const pairs = parsePairs((await runDoctor(['--run-as', 'no-such-user-here'])).stdout);
      expect(pairs).toContainEqual(['run-as user', 'none (functions run as the server user)']);
      expect(pairs).toContainEqual([
        'not enforced',
        "The run-as user 'no-such-user-here' does not exist: functions run as root.",
      ]);
    },
  );
});

describe('what the server enforces', () => {
  test('the server says once at start-up what this host enforces, and each record shows it', async () => {
    const world = await startSandboxWorld({ functions: { fn: {} } });
    try {
      const output = world.server.output();
      for (const line of renderHostCapabilities(host))
        expect({ line, times: occurrences(output, `sandbox ${line}`) }).toEqual({ line, times: 1 });

      const { body } = await world.invoke('fn', { action: 'echo' });
      expect((await world.record('fn', body.execution_id)).limits).toEqual({
        memory: host.memory,
        pids: host.pids,
        user: host.user,
        network: 'host',
        cgroup: host.cgroup,
      });
    } finally {
      await world.server.stop();
    }
  });

  test.skipIf(!canDropRoot)(
    'a server without root or a writable cgroup says so once and keeps running functions',
    async () => {
      const base = mkdtempSync(join(tmpdir(), 'dart-cloud-e2e-unprivileged-'));
      scratch.push(base);
      chmodSync(base, 0o755);
      const [dataDir, home] = [join(base, 'data'), join(base, 'home')];
      for (const dir of [dataDir, home]) {
        mkdirSync(dir, { mode: 0o700 });
        chownSync(dir, nobody?.uid ?? 65534, nobody?.gid ?? 65534);
      }
      const world: SandboxWorld = await startSandboxWorld({
        functions: { script: { fixture: 'test_script', fields: { timeout: '1' } } },
        dataDir,
        env: { HOME: home },
        user: { uid: nobody?.uid ?? 65534, gid: nobody?.gid ?? 65534 },
      });
      try {
        const output = world.server.output();
        expect(occurrences(output, 'not enforced: No writable cgroup')).toBe(1);
        expect(occurrences(output, 'not enforced: The server does not run as root')).toBe(1);

        const { status, body } = await world.invoke('script', { action: 'echo' });
        expect(status).toBe(200);
        const record = await world.record('script', body.execution_id);
        expect(record.limits).toEqual({
          memory: false,
          pids: false,
          user: null,
          network: 'host',
          cgroup: null,
        });
        expect(record.peak_memory_bytes).toBeNull();

        const stopped = await world.invoke('script', { action: 'spawn', ms: 20_000 });
        expect(stopped.status).toBe(504);
        expect(processesOf(stopped.body.execution_id)).toEqual([]);
      } finally {
        await world.server.stop();
      }
    },
  );
});

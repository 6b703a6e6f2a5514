import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { watchProcesses } from '../runtime/helpers.ts';
import {
  executionCgroups,
  host,
  isAlive,
  processesOf,
  startSandboxWorld,
  workDirsLeft,
  type SandboxWorld,
} from './sandbox-harness.ts';

// Each test starts or drives servers and their executions; a busy host is slower.
setDefaultTimeout(30_000);

let world: SandboxWorld;

beforeAll(async () => {
  world = await startSandboxWorld({
    functions: {
      fn: { fields: { timeout: '1' } },
      script: { fixture: 'test_script', fields: { timeout: '1' } },
    },
  });
});
afterAll(() => world.server.stop());

const hasCgroup = host.cgroup !== null && (host.memory || host.pids);

/** Invokes, and watches the execution's processes from the moment it is recorded as running. */
async function invokeWatched(name: string, body: unknown) {
  const started = Date.now();
  const answer = world.invoke(name, body);
  const [executionId = ''] = await world.waitForRunning(name);
  const watch = watchProcesses(executionId);
  await Bun.sleep(300);
  const whileRunning = {
    processes: processesOf(executionId).length,
    cgroups: executionCgroups(world.server.dataDir, executionId).length,
  };
  const result = await answer;
  return { executionId, result, whileRunning, seen: watch.stop(), wallMs: Date.now() - started };
}

describe('timeout on the compiled server', () => {
  test('sleep past the timeout answers 504 soon after the limit and leaves no process', async () => {
    const run = await invokeWatched('fn', { action: 'sleep', ms: 10_000 });
    expect(run.whileRunning.processes).toBeGreaterThan(0);
    if (hasCgroup) expect(run.whileRunning.cgroups).toBeGreaterThan(0);

    expect(run.result.status).toBe(504);
    expect(run.result.body).toMatchObject({
      execution_id: run.executionId,
      status: 'timeout',
      result: null,
      error: 'Function timed out',
      details: expect.stringContaining('exceeded its 1 s timeout'),
    });
    expect(run.wallMs).toBeGreaterThanOrEqual(1_000);
    expect(run.wallMs).toBeLessThan(3_500);

    const record = await world.record('fn', run.executionId);
    expect(record.status).toBe('timeout');
    expect(record.duration_ms).toBeGreaterThanOrEqual(1_000);
    expect(record.duration_ms).toBeLessThan(2_500);
    expect(['SIGTERM', 'SIGKILL']).toContain(record.signal);

    expect([...run.seen.keys()].filter(isAlive)).toEqual([]);
    expect(processesOf(run.executionId)).toEqual([]);
    expect(executionCgroups(world.server.dataDir, run.executionId)).toEqual([]);
    expect(workDirsLeft(world.server.dataDir)).toEqual([]);
  });

  test("a spawn child that left its parent's process group dies when the script times out", async () => {
    const run = await invokeWatched('script', { action: 'spawn', ms: 20_000 });
    expect(run.result.status).toBe(504);
    expect(run.result.body.status).toBe('timeout');
    const commands = [...run.seen.values()];
    expect(commands.some((command) => command.startsWith('sleep 20'))).toBe(true);

    expect([...run.seen.keys()].filter(isAlive)).toEqual([]);
    expect(processesOf(run.executionId)).toEqual([]);
    expect(executionCgroups(world.server.dataDir, run.executionId)).toEqual([]);
  });

  test('a spawn child does not outlive a handler that answered and kept running', async () => {
    const run = await invokeWatched('fn', { action: 'spawn', ms: 20_000 });
    expect(run.result.status).toBe(200);
    expect(run.result.body.result).toEqual({ child: expect.any(Number) });
    expect([...run.seen.values()].some((command) => command.startsWith('sleep 20'))).toBe(true);
    expect(run.wallMs).toBeLessThan(5_000);

    expect([...run.seen.keys()].filter(isAlive)).toEqual([]);
    expect(processesOf(run.executionId)).toEqual([]);
    expect(executionCgroups(world.server.dataDir, run.executionId)).toEqual([]);
    expect(workDirsLeft(world.server.dataDir)).toEqual([]);
  });
});

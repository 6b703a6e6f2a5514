import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  executionCgroups,
  explainSkip,
  host,
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
      small: { fields: { memory: '128', timeout: '10' } },
      forks: { fields: { timeout: '15' } },
    },
  });
});
afterAll(() => world.server.stop());

const MiB = 1024 * 1024;
explainSkip('the end-to-end memory tests', 'a writable cgroup memory controller', host.memory);
explainSkip('the end-to-end swap limit test', 'cgroup swap accounting', host.swapLimited);
explainSkip('the end-to-end pids limit test', 'a writable cgroup pids controller', host.pids);

describe.skipIf(!host.memory)('memory on the compiled server', () => {
  test('alloc past the limit answers 502 out_of_memory with its own message', async () => {
    const { status, body } = await world.invoke('small', { action: 'alloc', mb: 256 });
    expect(status).toBe(502);
    expect(body).toMatchObject({
      status: 'out_of_memory',
      result: null,
      error: 'Out of memory',
      details:
        'The function ran out of memory: it needed more than its 128 MB limit and was stopped. ' +
        'Deploy it with a larger --memory, or make it use less.',
    });

    const record = await world.record('small', body.execution_id);
    expect(record.status).toBe('out_of_memory');
    expect(record.limits).toMatchObject({ memory: true, cgroup: host.cgroup });
    expect(record.peak_memory_bytes).toBeGreaterThan(96 * MiB);
    expect(record.peak_memory_bytes).toBeLessThanOrEqual(132 * MiB);
    expect(processesOf(body.execution_id)).toEqual([]);
  });

  test('alloc under the limit succeeds and the record keeps the peak memory it used', async () => {
    const { status, body } = await world.invoke('small', { action: 'alloc', mb: 48 });
    expect(status).toBe(200);
    expect(body.result).toEqual({ allocated: 48 });

    const record = await world.record('small', body.execution_id);
    expect(record.status).toBe('success');
    expect(record.peak_memory_bytes).toBeGreaterThan(48 * MiB);
    expect(record.peak_memory_bytes).toBeLessThan(128 * MiB);

    const idle = await world.invoke('small', { action: 'echo' });
    const idleRecord = await world.record('small', idle.body.execution_id);
    expect(idleRecord.peak_memory_bytes).toBeLessThan(record.peak_memory_bytes);
  });

  test.skipIf(!host.swapLimited)(
    "swap is limited to the memory limit in the execution's cgroup",
    async () => {
      const answer = world.invoke('small', { action: 'sleep', ms: 800 });
      const [executionId = ''] = await world.waitForRunning('small');
      const [memoryDir] = executionCgroups(world.server.dataDir, executionId);
      const file = host.cgroup === 'v2' ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes';
      const value = readFileSync(join(memoryDir ?? '', file), 'utf8').trim();
      expect(value).toBe(host.cgroup === 'v2' ? '0' : String(128 * MiB));
      expect((await answer).status).toBe(200);
    },
  );
});

describe.skipIf(!host.pids)('processes on the compiled server', () => {
  test('fork with a large count is stopped by the pids limit and the server keeps answering', async () => {
    const forking = world.invoke('forks', { action: 'fork', count: 2_000 });
    await world.waitForRunning('forks');
    const health = await Promise.all(
      [0, 1, 2].map(async (index) => {
        await Bun.sleep(index * 200);
        const started = Date.now();
        const response = await fetch(`${world.server.url}/api/health`);
        return { ok: response.ok, ms: Date.now() - started };
      }),
    );
    expect(health.every((check) => check.ok && check.ms < 2_000)).toBe(true);

    const { status, body } = await forking;
    expect(status).toBe(200);
    expect(body.result.started).toBeGreaterThan(0);
    expect(body.result.started).toBeLessThan(128);
    const record = await world.record('forks', body.execution_id);
    expect(record.limits).toMatchObject({ pids: true });
    expect(processesOf(body.execution_id)).toEqual([]);

    const after = await world.invoke('forks', { action: 'echo' });
    expect(after.status).toBe(200);
    expect(Bun.spawnSync(['true']).exitCode).toBe(0);
    expect(workDirsLeft(world.server.dataDir)).toEqual([]);
  });
});

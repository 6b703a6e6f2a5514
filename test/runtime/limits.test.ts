import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  createTestRuntime,
  explainSkip,
  fullSandbox,
  handlerRun,
  host,
  isAlive,
  json,
  processesOf,
  scriptRun,
  type TestRuntime,
  watchProcesses,
} from './helpers.ts';

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ responseCapBytes: 1024 * 1024, logCapBytes: 64 * 1024 });
});
afterAll(() => t.cleanup());

const MiB = 1024 * 1024;
explainSkip('memory limit tests', 'a writable cgroup memory controller', host.memory);
explainSkip(
  'the pids limit test',
  'root and writable cgroup memory and pids controllers',
  fullSandbox,
);

describe('timeout', () => {
  test('sleep past the timeout ends as timeout soon after the limit, with no process left', async () => {
    const options = handlerRun(t, { action: 'sleep', ms: 10_000 }, { timeoutMs: 700 });
    const running = t.runtime.execute(options);
    await Bun.sleep(300);
    expect(processesOf(options.executionId).length).toBeGreaterThan(0);

    const outcome = await running;
    expect(outcome.status).toBe('timeout');
    expect(outcome.timedOut).toBe(true);
    expect(outcome.error).toBe(
      'The function exceeded its 0.7 s timeout and was stopped. Deploy it with a longer --timeout, or make it finish sooner.',
    );
    expect(outcome.durationMs).toBeGreaterThanOrEqual(700);
    expect(outcome.durationMs).toBeLessThan(700 + 500 + 800);
    expect(processesOf(options.executionId)).toEqual([]);
  });

  test('a program that ignores SIGTERM is killed with SIGKILL after the grace', async () => {
    const program = await t.install(
      'stubborn',
      "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 0.05; done\n",
    );
    const options = handlerRun(t, {}, { executable: program, timeoutMs: 300 });
    const outcome = await t.runtime.execute(options);
    expect(outcome.status).toBe('timeout');
    expect(outcome.signal).toBe('SIGKILL');
    expect(outcome.durationMs).toBeGreaterThanOrEqual(300 + 450);
    expect(outcome.durationMs).toBeLessThan(300 + 500 + 700);
    expect(processesOf(options.executionId)).toEqual([]);
  });

  test('timeout kills the spawn child, which left the process group', async () => {
    const options = scriptRun(t, { action: 'spawn', ms: 20_000 }, { timeoutMs: 800 });
    const watch = watchProcesses(options.executionId);
    const outcome = await t.runtime.execute(options);
    const seen = watch.stop();
    expect(outcome.status).toBe('timeout');
    expect(outcome.logs.some((record) => record.message.startsWith('{"child":'))).toBe(true);
    expect([...seen.values()].some((command) => command.startsWith('sleep 20'))).toBe(true);
    expect([...seen.keys()].filter(isAlive)).toEqual([]);
    expect(processesOf(options.executionId)).toEqual([]);
  });

  test('a spawn child does not outlive an execution that answered', async () => {
    const options = handlerRun(t, { action: 'spawn', ms: 20_000 }, { timeoutMs: 15_000 });
    const watch = watchProcesses(options.executionId);
    const outcome = await t.runtime.execute(options);
    const seen = watch.stop();
    expect(outcome.status).toBe('success');
    expect((json(outcome.response?.body) as { child: unknown }).child).toBeNumber();
    expect([...seen.values()].some((command) => command.startsWith('sleep 20'))).toBe(true);
    expect([...seen.keys()].filter(isAlive)).toEqual([]);
    // Answered, then given a second to exit: stopped long before its 20 s.
    expect(outcome.durationMs).toBeLessThan(4000);
  });
});

describe.skipIf(!host.memory)('memory', () => {
  test('alloc past the limit is out_of_memory from the cgroup counters, with the peak recorded', async () => {
    const outcome = await t.runtime.execute(
      handlerRun(t, { action: 'alloc', mb: 400 }, { memoryMb: 128 }),
    );
    expect(outcome.status).toBe('out_of_memory');
    expect(outcome.oomKilled).toBe(true);
    expect(outcome.error).toContain('more than its 128 MB limit');
    expect(outcome.limits.memory).toBe(true);
    expect(outcome.peakMemoryBytes).toBeGreaterThan(100 * MiB);
    expect(outcome.peakMemoryBytes).toBeLessThanOrEqual(128 * MiB);
  });

  test('alloc under the limit succeeds and its peak memory covers the allocation', async () => {
    const outcome = await t.runtime.execute(
      handlerRun(t, { action: 'alloc', mb: 64 }, { memoryMb: 256 }),
    );
    expect(outcome.status).toBe('success');
    expect(json(outcome.response?.body)).toEqual({ allocated: 64 });
    expect(outcome.oomKilled).toBe(false);
    expect(outcome.peakMemoryBytes).toBeGreaterThan(64 * MiB);
  });

  test.skipIf(!host.swapLimited)(
    'swap is limited with memory, so it is no way around the limit',
    async () => {
      const outcome = await t.runtime.execute(
        handlerRun(t, { action: 'alloc', mb: 200 }, { memoryMb: 128 }),
      );
      expect(outcome.status).toBe('out_of_memory');
    },
  );
});

describe.skipIf(!fullSandbox)('processes', () => {
  test('fork with a large count is stopped by the pids limit and the host stays usable', async () => {
    const options = handlerRun(t, { action: 'fork', count: 1000 });
    const outcome = await t.runtime.execute(options);
    expect(outcome.limits.pids).toBe(true);
    expect(outcome.status).toBe('success');
    const { started } = json(outcome.response?.body) as { started: number };
    expect(started).toBeGreaterThan(10);
    expect(started).toBeLessThan(128);
    expect(processesOf(options.executionId)).toEqual([]);

    const after = await t.runtime.execute(handlerRun(t, { action: 'echo' }));
    expect(after.status).toBe('success');
  });
});

describe('output caps', () => {
  test('output past the log cap is dropped with one visible marker', async () => {
    const outcome = await t.runtime.execute(handlerRun(t, { action: 'output', mb: 8 }));
    expect(outcome.status).toBe('success');
    expect(json(outcome.response?.body)).toEqual({ printed: 8 });
    expect(outcome.logsTruncated).toBe(true);
    const markers = outcome.logs.filter((record) =>
      record.message.startsWith('[dart_cloud] Logs truncated'),
    );
    expect(markers).toHaveLength(1);
    expect(outcome.logs.at(-1)).toBe(markers[0]);
    const kept = outcome.logs.reduce((sum, record) => sum + record.message.length, 0);
    expect(kept).toBeLessThan(64 * 1024 + 1024);
  });

  test('log with many lines is capped the same way', async () => {
    const outcome = await t.runtime.execute(
      handlerRun(t, { action: 'log', lines: 5000, level: 'info' }),
    );
    expect(outcome.status).toBe('success');
    expect(outcome.logsTruncated).toBe(true);
    expect(outcome.logs.at(-1)?.message).toContain('more than 64 KiB of logs');
  });

  test('big past the response cap is response_too_large', async () => {
    const outcome = await t.runtime.execute(handlerRun(t, { action: 'big', mb: 3 }));
    expect(outcome.status).toBe('response_too_large');
    expect(outcome.response).toBeNull();
    expect(outcome.error).toContain('larger than the 1 MiB cap');
  });

  test('big under the response cap arrives whole', async () => {
    const outcome = await t.runtime.execute(handlerRun(t, { action: 'big', mb: 0.5 }));
    expect(outcome.status).toBe('success');
    expect(outcome.response?.body.length).toBe(MiB / 2);
  });
});

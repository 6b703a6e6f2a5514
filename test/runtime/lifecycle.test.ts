import { describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TooManyRequestsError } from '../../src/core/errors.ts';
import { createExecutionCgroup, runtimeCgroupName } from '../../src/runtime/sandbox/cgroup.ts';
import { detectCgroups } from '../../src/runtime/sandbox/host.ts';
import {
  cgroupsLeft,
  createTestRuntime,
  handlerRun,
  host,
  processesOf,
  workDirsLeft,
} from './helpers.ts';

describe('concurrency', () => {
  test('the eleventh concurrent execution of a function is rejected and slots free however executions end', async () => {
    const t = await createTestRuntime();
    try {
      const sleepers = Array.from({ length: 10 }, () =>
        t.runtime.execute(handlerRun(t, { action: 'sleep', ms: 800 }, { timeoutMs: 5000 })),
      );
      await Bun.sleep(50);
      const rejected: unknown = await t.runtime
        .execute(handlerRun(t, { action: 'echo' }))
        .catch((error) => error);
      expect(rejected).toBeInstanceOf(TooManyRequestsError);
      expect((rejected as Error).message).toContain(
        "Function 'test-function' already runs its maximum of 10",
      );

      const other = await t.runtime.execute(
        handlerRun(t, { action: 'echo' }, { functionId: 'fn-other' }),
      );
      expect(other.status).toBe('success');
      expect((await Promise.all(sleepers)).every((outcome) => outcome.status === 'success')).toBe(
        true,
      );

      // Ten failures of every kind, then ten more: no slot leaked.
      const failing = [
        { action: 'throw', message: 'x' },
        { action: 'exit', code: 1 },
        { action: 'sleep', ms: 5000 },
        { action: 'alloc', mb: 200 },
        { action: 'big', mb: 7 },
      ];
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.runtime.execute(
            handlerRun(t, failing[i % failing.length], { timeoutMs: 400, memoryMb: 64 }),
          ),
        ),
      );
      const again = await Promise.all(
        Array.from({ length: 10 }, () => t.runtime.execute(handlerRun(t, {}))),
      );
      expect(again.map((outcome) => outcome.status)).toEqual(Array(10).fill('success'));
    } finally {
      await t.cleanup();
    }
  });

  test('the limit per function is configurable', async () => {
    const t = await createTestRuntime({ maxConcurrentPerFunction: 1 });
    try {
      const first = t.runtime.execute(handlerRun(t, { action: 'sleep', ms: 300 }));
      await expect(t.runtime.execute(handlerRun(t, {}))).rejects.toBeInstanceOf(
        TooManyRequestsError,
      );
      expect((await first).status).toBe('success');
    } finally {
      await t.cleanup();
    }
  });
});

describe('shutdown', () => {
  test('shutdown interrupts running executions and leaves no process, cgroup or directory', async () => {
    const t = await createTestRuntime();
    try {
      const options = Array.from({ length: 3 }, () =>
        handlerRun(t, { action: 'spawn', ms: 30_000 }, { timeoutMs: 30_000 }),
      );
      const sleeper = handlerRun(t, { action: 'sleep', ms: 30_000 }, { timeoutMs: 30_000 });
      const running = [...options, sleeper].map((run) => t.runtime.execute(run));
      await Bun.sleep(400);

      const started = Date.now();
      await t.runtime.shutdown();
      const outcomes = await Promise.all(running);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(4).fill('interrupted'));
      expect(outcomes[3]?.error).toContain('The server stopped while the function ran');
      for (const run of [...options, sleeper]) expect(processesOf(run.executionId)).toEqual([]);
      expect(workDirsLeft(t)).toEqual([]);
      expect(cgroupsLeft(t)).toEqual({ bases: [], children: [] });

      const late = await t.runtime.execute(handlerRun(t, {}));
      expect(late.status).toBe('interrupted');
    } finally {
      await t.cleanup();
    }
  });

  test.skipIf(!host.memory)(
    'cleanupStale removes the cgroups and directories a crashed run left, and empty bases of others',
    async () => {
      const t = await createTestRuntime();
      try {
        const parents = detectCgroups();
        if (parents === null) throw new Error('expected a writable cgroup');
        const leftover = createExecutionCgroup({
          parents,
          base: runtimeCgroupName(t.dataDir),
          executionId: 'crashed-run',
          memoryBytes: 64 * 1024 * 1024,
          pidsLimit: 16,
        });
        mkdirSync(join(t.sandboxDir, 'work', 'crashed-run', 'home'), { recursive: true });
        const orphan = Bun.spawn({
          cmd: ['sleep', '30'],
          cgroup: leftover.spawnInto ?? undefined,
          detached: true,
        });
        expect(cgroupsLeft(t).children.length).toBeGreaterThan(0);

        await t.runtime.cleanupStale();
        await orphan.exited;
        expect(orphan.signalCode).toBe('SIGKILL');
        expect(cgroupsLeft(t).children).toEqual([]);
        expect(workDirsLeft(t)).toEqual([]);
      } finally {
        await t.cleanup();
      }
    },
  );
});

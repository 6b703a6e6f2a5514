import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { startCompiledServer } from '../helpers/compiled-server.ts';
import {
  baseCgroupDirs,
  cgroupsLeft,
  connectWorld,
  eventually,
  processesOf,
  sandboxRoot,
  startSandboxWorld,
  workDirsLeft,
  type SandboxWorld,
} from './sandbox-harness.ts';

// Each test starts or drives servers and their executions; a busy host is slower.
setDefaultTimeout(30_000);

const FUNCTIONS = {
  fn: { fields: { timeout: '30' } },
  script: { fixture: 'test_script', fields: { timeout: '30' } },
} as const;

/** Starts a sleep and a script whose spawn child left its process group; answers both. */
async function startLongExecutions(world: SandboxWorld) {
  const answers = [
    world.invoke('fn', { action: 'sleep', ms: 20_000 }),
    world.invoke('script', { action: 'spawn', ms: 20_000 }),
  ];
  const ids = [...(await world.waitForRunning('fn')), ...(await world.waitForRunning('script'))];
  // The spawn child is up once the script's execution has three processes or more.
  const [, scriptId = ''] = ids;
  expect(await eventually(() => processesOf(scriptId).length >= 3)).toBe(true);
  return { answers, ids };
}

/** What executions of a server on `dataDir` left on the host. */
function leftovers(dataDir: string, ids: string[]) {
  return {
    processes: ids.flatMap((id) => processesOf(id)),
    cgroups: cgroupsLeft(dataDir),
    workDirs: workDirsLeft(dataDir),
  };
}

const nothingLeft = { processes: [], cgroups: [], workDirs: [] };

describe('server stop on the compiled server', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} interrupts running executions and leaves no process, cgroup or work directory`, async () => {
      const world = await startSandboxWorld({ functions: FUNCTIONS });
      const { dataDir } = world.server;
      const { answers, ids } = await startLongExecutions(world);
      expect(leftovers(dataDir, ids).workDirs).toHaveLength(2);

      const stopped = Date.now();
      world.server.kill(signal);
      for (const answer of await Promise.all(answers)) {
        expect(answer.status).toBe(502);
        expect(answer.body).toMatchObject({ status: 'interrupted', result: null });
      }
      expect(await world.server.exited).toBe(0);
      expect(Date.now() - stopped).toBeLessThan(8_000);
      expect(await fetch(`${world.server.url}/api/health`).catch(() => null)).toBeNull();

      expect(leftovers(dataDir, ids)).toEqual(nothingLeft);
      expect(baseCgroupDirs(dataDir).filter((dir) => existsSync(dir))).toEqual([]);
      expect(existsSync(sandboxRoot(dataDir))).toBe(false);

      const again = connectWorld(await startCompiledServer({ dataDir }), world.token);
      try {
        for (const [name, id] of [
          ['fn', ids[0] ?? ''],
          ['script', ids[1] ?? ''],
        ] as const) {
          const record = await again.record(name, id);
          expect(record.status).toBe('interrupted');
          expect(record.finished_at).toEqual(expect.any(String));
        }
      } finally {
        await again.server.stop();
      }
    });
  }

  test("a killed server's processes, cgroups and work directories are removed at the next start", async () => {
    const world = await startSandboxWorld({ functions: FUNCTIONS });
    const { dataDir } = world.server;
    const { answers, ids } = await startLongExecutions(world);

    const settled = Promise.allSettled(answers);
    world.server.kill('SIGKILL');
    await world.server.exited;
    await settled;
    const left = leftovers(dataDir, ids);
    expect(left.processes.length).toBeGreaterThan(0);
    expect(left.workDirs).toHaveLength(2);
    if (baseCgroupDirs(dataDir).length > 0) expect(left.cgroups.length).toBeGreaterThan(0);

    const again = connectWorld(await startCompiledServer({ dataDir }), world.token);
    try {
      expect(leftovers(dataDir, ids)).toEqual(nothingLeft);
      for (const [name, id] of [
        ['fn', ids[0] ?? ''],
        ['script', ids[1] ?? ''],
      ] as const) {
        expect((await again.record(name, id)).status).toBe('interrupted');
      }
      expect(again.server.output()).toContain('marked interrupted');
      expect((await again.invoke('fn', { action: 'echo' })).status).toBe(200);
    } finally {
      await again.server.stop();
    }
  });
});

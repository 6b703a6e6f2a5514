/**
 * Per-execution cgroups (v2, or the v1 memory and pids hierarchies): create with limits, read
 * peak memory and out-of-memory kills from the cgroup's own counters, kill everything inside,
 * remove.
 */
import { mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { CgroupParents } from './host.ts';

/** The counters read from an execution's cgroup before it is removed. */
export interface CgroupStats {
  peakMemoryBytes: number | null;
  oomKilled: boolean;
}

/** One execution's cgroup (one directory on v2, up to two on v1). */
export interface ExecutionCgroup {
  version: 'v1' | 'v2';
  /** The directory the program is spawned into (Bun's `cgroup` option). */
  spawnInto: string | null;
  /** v1: a second hierarchy the program must join itself (its `cgroup.procs`), else null. */
  alsoJoin: string | null;
  memory: boolean;
  pids: boolean;
  readStats(): CgroupStats;
  /** Every pid in the execution's cgroups. */
  listPids(): number[];
  /** Sends `signal` to every process inside; true when none was left to signal. */
  signalAll(signal: NodeJS.Signals): boolean;
  /** Removes the directories; the processes inside must be gone. */
  remove(): Promise<void>;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readNumber(path: string): number | null {
  const text = read(path);
  const value = text === null ? Number.NaN : Number(text.trim());
  return Number.isFinite(value) ? value : null;
}

/** Reads `key value` lines (v1 `memory.oom_control`, v2 `memory.events`). */
function readKeyed(path: string, key: string): number {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(read(path) ?? '');
  return match === null ? 0 : Number(match[1]);
}

function listProcs(dir: string | null): number[] {
  if (dir === null) return [];
  return (read(join(dir, 'cgroup.procs')) ?? '')
    .split('\n')
    .filter((line) => line.length > 0)
    .map(Number);
}

async function removeDir(dir: string): Promise<void> {
  // The kernel may still be tearing down the last exiting tasks: retry briefly.
  for (let attempt = 0; ; attempt += 1) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (attempt >= 50) throw error;
      await Bun.sleep(10);
    }
  }
}

/** The name of one runtime's base cgroup: stable per data directory, distinct between servers. */
export function runtimeCgroupName(dataDir: string): string {
  return `dart_cloud-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

/** The directory under which one runtime keeps its execution cgroups, per controller. */
export function cgroupBase(
  parents: CgroupParents,
  name: string,
): { memory: string | null; pids: string | null } {
  return {
    memory: parents.memory === null ? null : join(parents.memory, name),
    pids: parents.pids === null ? null : join(parents.pids, name),
  };
}

/** Creates the runtime's base directories (v2: with both controllers delegated to children). */
export function createCgroupBase(parents: CgroupParents, name: string): void {
  const base = cgroupBase(parents, name);
  for (const dir of new Set([base.memory, base.pids])) {
    if (dir === null) continue;
    mkdirSync(dir, { recursive: true });
    if (parents.version === 'v2')
      writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory +pids');
  }
}

function writeLimits(options: {
  version: 'v1' | 'v2';
  swapLimited: boolean;
  memoryDir: string | null;
  pidsDir: string | null;
  memoryBytes: number;
  pidsLimit: number;
}): void {
  const { memoryDir, pidsDir, memoryBytes, pidsLimit } = options;
  if (options.version === 'v2') {
    if (memoryDir === null) return;
    writeFileSync(join(memoryDir, 'memory.max'), String(memoryBytes));
    if (options.swapLimited) writeFileSync(join(memoryDir, 'memory.swap.max'), '0');
    writeFileSync(join(memoryDir, 'pids.max'), String(pidsLimit));
    return;
  }
  if (memoryDir !== null) {
    // memsw (memory + swap) may not be set below the memory limit: memory first.
    writeFileSync(join(memoryDir, 'memory.limit_in_bytes'), String(memoryBytes));
    if (options.swapLimited) {
      writeFileSync(join(memoryDir, 'memory.memsw.limit_in_bytes'), String(memoryBytes));
    }
  }
  if (pidsDir !== null) writeFileSync(join(pidsDir, 'pids.max'), String(pidsLimit));
}

/** Creates one execution's cgroup with its memory (swap included) and pids limits. */
export function createExecutionCgroup(options: {
  parents: CgroupParents;
  base: string;
  executionId: string;
  memoryBytes: number;
  pidsLimit: number;
}): ExecutionCgroup {
  const { parents, executionId, memoryBytes, pidsLimit } = options;
  const base = cgroupBase(parents, options.base);
  const memoryDir = base.memory === null ? null : join(base.memory, executionId);
  const pidsDir = base.pids === null ? null : join(base.pids, executionId);
  const dirs = [...new Set([memoryDir, pidsDir])].filter((dir): dir is string => dir !== null);

  const created: string[] = [];
  try {
    // Recreated when missing: another server's start-up may prune empty bases (see below).
    createCgroupBase(parents, options.base);
    for (const dir of dirs) {
      mkdirSync(dir);
      created.push(dir);
    }
    writeLimits({
      version: parents.version,
      swapLimited: parents.swapLimited,
      memoryDir,
      pidsDir,
      memoryBytes,
      pidsLimit,
    });
  } catch (error) {
    for (const dir of created.reverse()) rmdirSync(dir);
    throw error;
  }

  const spawnInto = memoryDir ?? pidsDir;
  const listPids = (): number[] => [...new Set(dirs.flatMap((dir) => listProcs(dir)))];

  return {
    version: parents.version,
    spawnInto,
    alsoJoin:
      parents.version === 'v1' && memoryDir !== null && pidsDir !== null
        ? join(pidsDir, 'cgroup.procs')
        : null,
    memory: memoryDir !== null,
    pids: pidsDir !== null,
    readStats(): CgroupStats {
      if (memoryDir === null) return { peakMemoryBytes: null, oomKilled: false };
      if (parents.version === 'v2') {
        return {
          peakMemoryBytes: readNumber(join(memoryDir, 'memory.peak')),
          oomKilled: readKeyed(join(memoryDir, 'memory.events'), 'oom_kill') > 0,
        };
      }
      const control = join(memoryDir, 'memory.oom_control');
      return {
        peakMemoryBytes: readNumber(join(memoryDir, 'memory.max_usage_in_bytes')),
        oomKilled: readKeyed(control, 'oom_kill') > 0 || readKeyed(control, 'under_oom') > 0,
      };
    },
    listPids,
    signalAll(signal): boolean {
      const pids = listPids();
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
        } catch {
          // Already gone.
        }
      }
      return pids.length === 0;
    },
    async remove(): Promise<void> {
      for (const dir of dirs) await removeDir(dir);
    },
  };
}

/** Kills and removes every execution cgroup a runtime left under its base (a crashed run). */
export async function removeStaleCgroups(
  parents: CgroupParents,
  name: string,
  removeBase: boolean,
): Promise<number> {
  const base = cgroupBase(parents, name);
  let removed = 0;
  for (const dir of new Set([base.memory, base.pids])) {
    if (dir === null) continue;
    let children: string[];
    try {
      children = readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(dir, entry.name));
    } catch {
      continue;
    }
    for (const child of children) {
      for (let round = 0; round < 100; round += 1) {
        const pids = listProcs(child);
        if (pids.length === 0) break;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
        await Bun.sleep(10);
      }
      await removeDir(child);
      removed += 1;
    }
    if (removeBase) await removeDir(dir);
  }
  return removed;
}

/**
 * Removes the empty base cgroups that servers which crashed left beside this one's (their data
 * directories may be long gone). A base in use has execution cgroups, so rmdir refuses it.
 */
export function pruneEmptyBases(parents: CgroupParents, keep: string): void {
  for (const parent of new Set([parents.memory, parents.pids])) {
    if (parent === null) continue;
    let entries: string[] = [];
    try {
      entries = readdirSync(parent).filter(
        (entry) => entry.startsWith('dart_cloud-') && entry !== keep,
      );
    } catch {
      continue;
    }
    for (const entry of entries) {
      try {
        rmdirSync(join(parent, entry));
      } catch {
        // In use (or not ours to remove).
      }
    }
  }
}

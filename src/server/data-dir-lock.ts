/** One server per data directory: `<dataDir>/server.lock` holds the pid of the one that has it. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerStartError } from '../core/errors.ts';

/** A held lock; `release` removes the file if it is still this process's. */
export interface DataDirLock {
  path: string;
  release(): void;
}

/**
 * Takes the data directory's lock with an exclusive create. A lock whose pid is not running,
 * or is a zombie not yet reaped, is stale (a server that was killed) and is taken over; a live
 * one is a `ServerStartError`.
 */
export function acquireDataDirLock(options: { dataDir: string; pid?: number }): DataDirLock {
  const path = join(options.dataDir, 'server.lock');
  const pid = options.pid ?? process.pid;

  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${pid}\n`, { flag: 'wx', mode: 0o600 });
      return { path, release: () => releaseLock(path, pid) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const holder = readHolder(path);
    if (holder !== null && holder !== pid && isRunning(holder)) {
      throw new ServerStartError(
        `The data directory ${options.dataDir} is in use by another dart_cloud server ` +
          `(pid ${holder}). Stop that server, or start this one with another --data-dir.`,
      );
    }
    // Stale (or unreadable, or our own pid from an earlier run in this process): take it over.
    rmSync(path, { force: true });
  }
  throw new ServerStartError(
    `Could not take the lock ${path}: another server keeps taking it; try again.`,
  );
}

function readHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A server killed with SIGKILL stays a zombie until its parent reaps it; signal 0 still
  // reaches it, but it holds nothing.
  return !isDeadState(readProcState(pid));
}

/** The state letter of a process from `/proc/<pid>/stat` (`R`, `S`, `Z`, …); null if unknown. */
export function parseProcState(stat: string): string | null {
  // The command name in parentheses may itself hold spaces and parentheses.
  const end = stat.lastIndexOf(')');
  if (end === -1) return null;
  return /^ (\S)/.exec(stat.slice(end + 1))?.[1] ?? null;
}

function readProcState(pid: number): string | null {
  try {
    return parseProcState(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    // No /proc (not Linux) or the process just went: trust the signal check.
    return null;
  }
}

function isDeadState(state: string | null): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

function releaseLock(path: string, pid: number): void {
  if (readHolder(path) === pid) rmSync(path, { force: true });
}

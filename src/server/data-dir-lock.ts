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
 * Takes the data directory's lock with an exclusive create. A lock whose pid is not running
 * is stale (a server that was killed) and is taken over; a live one is a `ServerStartError`.
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
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(path: string, pid: number): void {
  if (readHolder(path) === pid) rmSync(path, { force: true });
}

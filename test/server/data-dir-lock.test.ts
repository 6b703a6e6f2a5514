import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerStartError } from '../../src/core/errors.ts';
import { acquireDataDirLock } from '../../src/server/data-dir-lock.ts';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dart-cloud-lock-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('acquireDataDirLock', () => {
  test('the lock file holds the pid and is removed on release', () => {
    const dataDir = freshDir();
    const lock = acquireDataDirLock({ dataDir });

    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  test('a lock held by a running process is refused with its pid', () => {
    const dataDir = freshDir();
    acquireDataDirLock({ dataDir });

    expect(() => acquireDataDirLock({ dataDir, pid: process.pid + 1 })).toThrow(ServerStartError);
    expect(() => acquireDataDirLock({ dataDir, pid: process.pid + 1 })).toThrow(
      `in use by another dart_cloud server (pid ${process.pid})`,
    );
  });

  test('a lock whose pid is not running is taken over', () => {
    const dataDir = freshDir();
    writeFileSync(join(dataDir, 'server.lock'), '999999999\n');

    const lock = acquireDataDirLock({ dataDir });
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
  });
});

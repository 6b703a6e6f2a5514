import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerStartError } from '../../src/core/errors.ts';
import { acquireDataDirLock, parseProcState } from '../../src/server/data-dir-lock.ts';

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

  test('a lock whose pid is a zombie not yet reaped is taken over', async () => {
    // `sleep` never reaps, so the background child it inherits from sh stays a zombie.
    const parent = Bun.spawn(['sh', '-c', 'sleep 0 & echo $!; exec sleep 30'], { stdout: 'pipe' });
    try {
      const reader = parent.stdout.getReader();
      const zombie = Number(new TextDecoder().decode((await reader.read()).value).trim());
      const state = () => parseProcState(readFileSync(`/proc/${zombie}/stat`, 'utf8'));
      for (let i = 0; i < 100 && state() !== 'Z'; i++) await Bun.sleep(20);
      expect(state()).toBe('Z');

      const dataDir = freshDir();
      writeFileSync(join(dataDir, 'server.lock'), `${zombie}\n`);
      const lock = acquireDataDirLock({ dataDir });
      expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
    } finally {
      parent.kill('SIGKILL');
      await parent.exited;
    }
  });
});

describe('parseProcState', () => {
  test('reads the state after the command name, whatever the name holds', () => {
    expect(parseProcState('42 (dart_cloud) S 1 42 42 0 -1')).toBe('S');
    expect(parseProcState('42 (a) Z (b)) Z 1 42')).toBe('Z');
    expect(parseProcState('43 (x y) X 1')).toBe('X');
    expect(parseProcState('garbage')).toBeNull();
  });
});

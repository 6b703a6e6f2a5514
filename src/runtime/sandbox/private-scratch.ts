/**
 * Private scratch directories: each execution gets its own empty /tmp, /var/tmp, /dev/shm and
 * /run/lock (tmpfs mounts in the mount namespace that `unshare --mount-proc` creates), so what a
 * function writes there is neither seen by other functions nor left behind on the host. Its
 * execution directory (the program and the home beside it), which may live under /tmp, is bound
 * back at the same path.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The world-writable directories of a typical host that functions would otherwise share. */
export const SHARED_SCRATCH_DIRS = ['/tmp', '/var/tmp', '/dev/shm', '/run/lock'];

// Runs as root in the new namespaces, before the user switch, from the home directory. `mount
// --no-canonicalize` hands `..` (the execution directory, which the tmpfs on /tmp may hide by
// then) to the kernel as it is, so it is looked up from the working directory.
const SCRIPT = [
  'size=$1',
  'shift',
  `for dir in ${SHARED_SCRATCH_DIRS.join(' ')}; do`,
  '  if [ -d "$dir" ]; then',
  '    mount -t tmpfs -o "mode=1777,nosuid,nodev,size=$size" tmpfs "$dir" || exit 125',
  '  fi',
  'done',
  'dir=${HOME%/*}',
  'mkdir -p "$dir" && mount --no-canonicalize --bind .. "$dir" && cd "$HOME" || exit 125',
  'unset PWD OLDPWD',
  'exec "$@"',
].join('\n');

/**
 * The command that mounts the private directories (each at most `sizeMb`, and charged to the
 * execution's memory cgroup), then runs `command` in `$HOME`, whose parent is the execution's
 * directory.
 */
export function privateScratchCommand(options: { sizeMb: number; command: string[] }): string[] {
  const size = `${Math.max(1, Math.round(options.sizeMb))}m`;
  return ['/bin/sh', '-c', SCRIPT, 'dart_cloud-scratch', size, ...options.command];
}

/**
 * True when this host can give executions private scratch directories: root, and `unshare`
 * with `namespaceFlags` (the process namespace's, which include a mount namespace) works.
 */
export function probePrivateScratch(options: {
  unsharePath: string | null;
  namespaceFlags: string[];
}): boolean {
  const { unsharePath } = options;
  if (unsharePath === null || process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'dart_cloud-probe-'));
  const home = join(dir, 'home');
  try {
    mkdirSync(home);
    const result = Bun.spawnSync({
      cmd: [
        unsharePath,
        ...options.namespaceFlags,
        '--',
        ...privateScratchCommand({ sizeMb: 1, command: ['/bin/true'] }),
      ],
      cwd: home,
      env: { HOME: home, PATH: '/usr/local/bin:/usr/bin:/bin' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    return result.exitCode === 0;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The sandbox's files: installed programs, and one private working directory per execution.
 *
 *   <dataDir>/runtime/bin/<deploymentId>/program   installed programs, private like the data dir
 *
 * and under the sandbox root (reachable by the run-as user, unlike the 0700 data directory):
 *   cache/<dev>-<inode>-<mtime>-<size>   copies of programs when the data directory is on another
 *                                        filesystem (0700 root; rebuilt when missing)
 *   work/<executionId>/                  0711 root, one per execution, removed afterwards
 *   work/<executionId>/program           a hard link to the program, so nothing is copied
 *   work/<executionId>/home/             0700, owned by the run-as user: cwd, HOME and TMPDIR
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import type { Credentials } from './host.ts';

/** The resolved directories of one runtime's sandbox. */
export interface SandboxLayout {
  /** Installed programs (inside the data directory). */
  programs: string;
  root: string;
  cache: string;
  work: string;
  credentials: Credentials | null;
}

/** The files of one execution. */
export interface WorkDir {
  dir: string;
  home: string;
  program: string;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Rejects ids that could not safely name a directory. */
export function assertSafeId(kind: string, id: string): void {
  if (!SAFE_ID.test(id) || id.includes('..')) {
    throw new ValidationError(
      `Expected ${kind} to be 1-128 letters, digits, '-', '_' or '.', got '${id}'`,
    );
  }
}

/** Throws unless every directory above `dir` lets other users pass through (mode o+x). */
function assertReachable(dir: string, user: string): void {
  for (let current = dirname(dir); ; current = dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      throw new ValidationError(
        `Expected the sandbox directory ${dir} to be reachable by the run-as user '${user}', ` +
          `but ${current} has mode ${(mode & 0o777).toString(8)}; choose a sandbox directory outside it`,
      );
    }
    if (current === dirname(current)) return;
  }
}

/** Throws unless `dir` is a real directory of this user (not a link someone else planted). */
function assertOwnDirectory(dir: string): void {
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) {
    throw new ValidationError(
      `Expected ${dir} to be a directory owned by the server's user; remove it or choose another sandbox directory`,
    );
  }
}

/** Creates (or reuses) the runtime's directories, checking the run-as user can reach the sandbox. */
export function createSandboxLayout(options: {
  programs: string;
  root: string;
  credentials: Credentials | null;
}): SandboxLayout {
  const root = resolve(options.root);
  const { credentials } = options;
  mkdirSync(root, { recursive: true });
  assertOwnDirectory(root);
  if (credentials !== null) assertReachable(root, credentials.name);

  const layout = {
    programs: resolve(options.programs),
    root,
    cache: join(root, 'cache'),
    work: join(root, 'work'),
    credentials,
  };
  for (const dir of [layout.programs, layout.cache, layout.work])
    mkdirSync(dir, { recursive: true });
  chmodSync(layout.programs, 0o700);
  chmodSync(root, credentials === null ? 0o700 : 0o711);
  chmodSync(layout.cache, 0o700);
  chmodSync(layout.work, credentials === null ? 0o700 : 0o711);
  return layout;
}

/** Copies a built program into the runtime's area (atomically); returns the path to execute. */
export function installProgram(
  layout: SandboxLayout,
  options: { sourceFile: string; deploymentId: string },
): string {
  assertSafeId('a deployment id', options.deploymentId);
  const dir = join(layout.programs, options.deploymentId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, 'program');
  const staging = `${target}.${process.pid}.tmp`;
  copyFileSync(options.sourceFile, staging);
  chmodSync(staging, 0o755);
  renameSync(staging, target);
  return target;
}

function cacheKey(file: string): string {
  const stat = statSync(file);
  return `${stat.dev}-${stat.ino}-${Math.round(stat.mtimeMs)}-${stat.size}`;
}

/** Removes an installed program (running executions keep their own hard link). */
export function uninstallProgram(layout: SandboxLayout, deploymentId: string): void {
  assertSafeId('a deployment id', deploymentId);
  const program = join(layout.programs, deploymentId, 'program');
  if (existsSync(program)) rmSync(join(layout.cache, cacheKey(program)), { force: true });
  rmSync(join(layout.programs, deploymentId), { recursive: true, force: true });
}

/** Hard-links the program into the work dir, through a cached copy when across filesystems. */
function linkProgram(layout: SandboxLayout, executable: string, target: string): void {
  try {
    linkSync(executable, target);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM') throw error;
  }
  const cached = join(layout.cache, cacheKey(executable));
  if (!existsSync(cached)) {
    const staging = `${cached}.${process.pid}.tmp`;
    copyFileSync(executable, staging);
    chmodSync(staging, 0o755);
    renameSync(staging, cached);
  }
  linkSync(cached, target);
}

/** Creates an execution's private directory and links its program into it. */
export function createWorkDir(
  layout: SandboxLayout,
  options: { executionId: string; executable: string },
): WorkDir {
  assertSafeId('an execution id', options.executionId);
  const dir = join(layout.work, options.executionId);
  const home = join(dir, 'home');
  const program = join(dir, 'program');
  mkdirSync(dir, { mode: 0o711 });
  mkdirSync(home, { mode: 0o700 });
  chmodSync(dir, layout.credentials === null ? 0o700 : 0o711);
  if (layout.credentials !== null) chownSync(home, layout.credentials.uid, layout.credentials.gid);

  try {
    linkProgram(layout, options.executable, program);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, home, program };
}

/** Removes an execution's directory and everything the program left in it. */
export function removeWorkDir(workDir: WorkDir): void {
  rmSync(workDir.dir, { recursive: true, force: true });
}

/** Removes every execution directory (what a crashed earlier run left) and the program cache. */
export function removeStaleWorkDirs(layout: SandboxLayout): number {
  for (const entry of listEntries(layout.cache)) rmSync(join(layout.cache, entry), { force: true });
  const entries = listEntries(layout.work);
  for (const entry of entries) rmSync(join(layout.work, entry), { recursive: true, force: true });
  return entries.length;
}

/** A directory's entries; none when it is gone (a second shutdown, say). */
function listEntries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Removes the sandbox's scratch area (working directories and program cache) once the runtime
 * has stopped, and its root when nothing else is in it; the next start creates them again.
 */
export function removeSandboxLayout(layout: SandboxLayout): void {
  rmSync(layout.work, { recursive: true, force: true });
  rmSync(layout.cache, { recursive: true, force: true });
  try {
    rmdirSync(layout.root);
  } catch {
    // Not empty (someone else's files) or already gone: leave it.
  }
}

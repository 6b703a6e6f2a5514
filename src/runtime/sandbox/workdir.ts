/**
 * The sandbox's files: installed programs, and one private working directory per execution.
 *
 * Layout under the sandbox root (reachable by the run-as user, unlike the 0700 data directory):
 *   bin/<deploymentId>/program      installed programs; `bin` is 0700 root, never listed or read
 *   work/<executionId>/             0711 root, one per execution, removed afterwards
 *   work/<executionId>/program      a hard link to the installed program (nothing to copy)
 *   work/<executionId>/home/        0700, owned by the run-as user: cwd, HOME and TMPDIR
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import type { Credentials } from './host.ts';

/** The resolved directories of one runtime's sandbox. */
export interface SandboxLayout {
  root: string;
  bin: string;
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
    throw new ValidationError(`Expected ${kind} to be 1-128 letters, digits, '-', '_' or '.', got '${id}'`);
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

/** Creates (or reuses) the sandbox directories, checking the run-as user can reach them. */
export function createSandboxLayout(options: { root: string; credentials: Credentials | null }): SandboxLayout {
  const root = resolve(options.root);
  const { credentials } = options;
  mkdirSync(root, { recursive: true });
  if (credentials !== null) assertReachable(root, credentials.name);

  const layout = { root, bin: join(root, 'bin'), work: join(root, 'work'), credentials };
  mkdirSync(layout.bin, { recursive: true });
  mkdirSync(layout.work, { recursive: true });
  chmodSync(root, credentials === null ? 0o700 : 0o711);
  chmodSync(layout.bin, 0o700);
  chmodSync(layout.work, credentials === null ? 0o700 : 0o711);
  return layout;
}

/** Copies a built program into the sandbox (atomically); returns the path to execute. */
export function installProgram(layout: SandboxLayout, options: { sourceFile: string; deploymentId: string }): string {
  assertSafeId('a deployment id', options.deploymentId);
  const dir = join(layout.bin, options.deploymentId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, 'program');
  const staging = `${target}.${process.pid}.tmp`;
  copyFileSync(options.sourceFile, staging);
  chmodSync(staging, 0o755);
  renameSync(staging, target);
  return target;
}

/** Removes an installed program (running executions keep their own hard link). */
export function uninstallProgram(layout: SandboxLayout, deploymentId: string): void {
  assertSafeId('a deployment id', deploymentId);
  rmSync(join(layout.bin, deploymentId), { recursive: true, force: true });
}

/** Creates an execution's private directory and links its program into it. */
export function createWorkDir(layout: SandboxLayout, options: { executionId: string; executable: string }): WorkDir {
  assertSafeId('an execution id', options.executionId);
  const dir = join(layout.work, options.executionId);
  const home = join(dir, 'home');
  const program = join(dir, 'program');
  mkdirSync(dir, { mode: 0o711 });
  mkdirSync(home, { mode: 0o700 });
  chmodSync(dir, layout.credentials === null ? 0o700 : 0o711);
  if (layout.credentials !== null) chownSync(home, layout.credentials.uid, layout.credentials.gid);

  try {
    linkSync(options.executable, program);
  } catch {
    // Another filesystem (or no link permission): a copy works everywhere.
    copyFileSync(options.executable, program);
    chmodSync(program, 0o755);
  }
  return { dir, home, program };
}

/** Removes an execution's directory and everything the program left in it. */
export function removeWorkDir(workDir: WorkDir): void {
  rmSync(workDir.dir, { recursive: true, force: true });
}

/** Removes every execution directory (what a crashed earlier run left); returns how many. */
export function removeStaleWorkDirs(layout: SandboxLayout): number {
  let entries: string[];
  try {
    entries = readdirSync(layout.work);
  } catch {
    return 0;
  }
  for (const entry of entries) rmSync(join(layout.work, entry), { recursive: true, force: true });
  return entries.length;
}

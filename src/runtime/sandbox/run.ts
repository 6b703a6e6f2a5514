/**
 * Runs one program inside the sandbox: its own cgroup, process group, working directory,
 * scratch directories, user and (optionally) network namespace; stops the whole tree when
 * asked; always cleans up.
 */
import { createLogger } from '../../core/logger.ts';
import type { EnforcedLimits } from '../types.ts';
import { createExecutionCgroup, type ExecutionCgroup } from './cgroup.ts';
import { PID_NAMESPACE_FLAGS, type HostProbe } from './host.ts';
import { privateScratchCommand } from './private-scratch.ts';
import { findProcessesByEnvironment } from './proc-scan.ts';
import { createWorkDir, removeWorkDir, type SandboxLayout } from './workdir.ts';

const log = createLogger('runtime');

/** Why the runtime stopped a program (the first reason wins). */
export const StopReason = {
  timeout: 'timeout',
  interrupted: 'interrupted',
  /** The program answered and then did not exit by itself. */
  answered: 'answered',
  /** The program's answer is unusable (over the response cap, or malformed). */
  rejected: 'rejected',
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

/** How a sandboxed run ended, as data. */
export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  stopReason: StopReason | null;
  oomKilled: boolean;
  peakMemoryBytes: number | null;
  durationMs: number;
  limits: EnforcedLimits;
  /** Set when the program could not be started at all. */
  startError: string | null;
}

/** What every run of one runtime shares: the host, its directories and fixed limits. */
export interface SandboxContext {
  host: HostProbe;
  layout: SandboxLayout;
  /** The name of the runtime's base cgroup. */
  cgroupBase: string;
  pidsLimit: number;
  killGraceMs: number;
}

/** Everything one sandboxed run needs. `args` follow the program (linked into the work dir). */
export interface SandboxRunOptions {
  sandbox: SandboxContext;
  executionId: string;
  executable: string;
  args: string[];
  stdin: Uint8Array | null;
  /** The program's whole environment except HOME and TMPDIR, which point to its directory. */
  env: Record<string, string>;
  memoryMb: number;
  network: boolean;
  /** Aborted with a StopReason to stop the program's whole tree. */
  signal: AbortSignal;
  onStdout(chunk: Uint8Array): void;
  onStderr(chunk: Uint8Array): void;
}

const DRAIN_LIMIT_MS = 1000;
/** Every sandboxed program gets its execution id in this variable (docs/protocol.md). */
export const EXECUTION_ID_VARIABLE = 'DART_CLOUD_EXECUTION_ID';

/** The command that joins the second v1 hierarchy, enters namespaces and drops privileges. */
function buildCommand(options: SandboxRunOptions, cgroup: ExecutionCgroup | null, program: string) {
  const { network } = options;
  const { host } = options.sandbox;
  const credentials = host.credentials;
  const isolateNetwork =
    !network && host.capabilities.networkNamespace && host.unsharePath !== null;
  const prelude: string[] = [];
  if (cgroup?.alsoJoin != null)
    prelude.push('/bin/sh', '-c', 'echo $$ > "$0" && unset PWD && exec "$@"', cgroup.alsoJoin);

  // With a root prelude or a namespace to enter, unshare drops to the user after it;
  // otherwise Bun sets the ids itself, which is cheaper.
  const isolatePids = host.capabilities.pidNamespace;
  const viaUnshare =
    host.unsharePath !== null &&
    (isolateNetwork || isolatePids || (prelude.length > 0 && credentials !== null));
  if (viaUnshare && host.unsharePath !== null) {
    prelude.push(host.unsharePath);
    if (isolateNetwork) prelude.push('--net');
    if (isolatePids) prelude.push(...PID_NAMESPACE_FLAGS);
    const setIds =
      credentials === null
        ? []
        : ['--setuid', String(credentials.uid), '--setgid', String(credentials.gid)];
    if (isolatePids && host.privateScratch) {
      // The scratch mounts need root: a second unshare switches to the user after them.
      const command = setIds.length > 0 ? [host.unsharePath, ...setIds, '--'] : [];
      prelude.push('--', ...privateScratchCommand({ sizeMb: options.memoryMb, command }));
    } else {
      prelude.push(...setIds, '--');
    }
  }
  const ids =
    !viaUnshare && credentials !== null ? { uid: credentials.uid, gid: credentials.gid } : {};
  return { cmd: [...prelude, program, ...options.args], ids, isolateNetwork };
}

/** Reads a stream to its end; `cancel` gives up on it (a pipe held open by an escapee). */
function pump(stream: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void) {
  const reader = stream.getReader();
  const done = (async () => {
    try {
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended) return;
        onChunk(value);
      }
    } catch {
      // Cancelled after the drain limit; what arrived was delivered.
    }
  })();
  return { done, cancel: (): Promise<void> => reader.cancel().catch(() => {}) };
}

function signalTree(pid: number, cgroup: ExecutionCgroup | null, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The process group is gone.
  }
  cgroup?.signalAll(signal);
}

/**
 * SIGKILLs until the cgroup is empty (a fork loop may race a single pass). Without a cgroup,
 * the execution id in the environment finds children that left the process group.
 */
async function killRemaining(
  pid: number,
  cgroup: ExecutionCgroup | null,
  executionId: string,
): Promise<void> {
  for (let round = 0; round < 100; round += 1) {
    signalTree(pid, cgroup, 'SIGKILL');
    const left =
      cgroup === null
        ? findProcessesByEnvironment(EXECUTION_ID_VARIABLE, executionId)
        : cgroup.listPids();
    if (left.length === 0) return;
    if (cgroup === null) {
      for (const other of left) {
        try {
          process.kill(other, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    await Bun.sleep(5);
  }
}

function enforcedLimits(
  options: SandboxRunOptions,
  cgroup: ExecutionCgroup | null,
  isolateNetwork: boolean,
): EnforcedLimits {
  return {
    memory: cgroup?.memory ?? false,
    pids: cgroup?.pids ?? false,
    user: options.sandbox.host.credentials?.name ?? null,
    network: isolateNetwork ? 'none' : 'host',
    cgroup: cgroup?.version ?? null,
  };
}

function notStarted(error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  return {
    exitCode: null,
    signal: null,
    stopReason: null,
    startError: message,
    oomKilled: false,
    peakMemoryBytes: null,
  };
}

/** Runs the program to its end (or until stopped) and removes everything it was given. */
export async function runSandboxed(options: SandboxRunOptions): Promise<SandboxResult> {
  const { executionId, signal } = options;
  const { host, layout } = options.sandbox;
  const started = performance.now();
  const cgroups = host.cgroups;
  let cgroup: ExecutionCgroup | null = null;
  let workDir: ReturnType<typeof createWorkDir> | null = null;

  try {
    try {
      cgroup =
        cgroups === null
          ? null
          : createExecutionCgroup({
              parents: cgroups,
              base: options.sandbox.cgroupBase,
              executionId,
              memoryBytes: Math.round(options.memoryMb * 1024 * 1024),
              pidsLimit: options.sandbox.pidsLimit,
            });
    } catch (error) {
      return { ...notStarted(error), limits: enforcedLimits(options, null, false), durationMs: 0 };
    }
    try {
      workDir = createWorkDir(layout, { executionId, executable: options.executable });
    } catch (error) {
      return {
        ...notStarted(error),
        limits: enforcedLimits(options, cgroup, false),
        durationMs: 0,
      };
    }
    const { cmd, ids, isolateNetwork } = buildCommand(options, cgroup, workDir.program);
    const limits = enforcedLimits(options, cgroup, isolateNetwork);
    const env = {
      ...options.env,
      [EXECUTION_ID_VARIABLE]: executionId,
      HOME: workDir.home,
      TMPDIR: workDir.home,
    };
    const result = await spawnAndWait({ options, cmd, ids, env, cwd: workDir.home, cgroup });
    const stats = cgroup?.readStats() ?? { peakMemoryBytes: null, oomKilled: false };
    return { ...result, ...stats, limits, durationMs: Math.round(performance.now() - started) };
  } finally {
    if (cgroup !== null) {
      await cgroup.remove().catch((error: unknown) => {
        log.warn(`[${executionId}] could not remove the execution cgroup: ${String(error)}`);
      });
    }
    if (workDir !== null) removeWorkDir(workDir);
    if (signal.aborted) log.debug(`[${executionId}] stopped: ${String(signal.reason)}`);
  }
}

async function spawnAndWait(context: {
  options: SandboxRunOptions;
  cmd: string[];
  ids: { uid?: number; gid?: number };
  env: Record<string, string>;
  cwd: string;
  cgroup: ExecutionCgroup | null;
}): Promise<Omit<SandboxResult, 'limits' | 'durationMs' | 'oomKilled' | 'peakMemoryBytes'>> {
  const { options, cmd, ids, env, cwd, cgroup } = context;
  const { executionId, signal } = options;
  let child;
  try {
    child = Bun.spawn({
      cmd,
      cwd,
      env,
      ...ids,
      ...(cgroup?.spawnInto != null ? { cgroup: cgroup.spawnInto } : {}),
      detached: true,
      stdin: options.stdin ?? 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
  } catch (error) {
    return notStarted(error);
  }
  log.debug(`[${executionId}] started pid ${child.pid}: ${cmd.join(' ')}`);

  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    signalTree(child.pid, cgroup, 'SIGTERM');
    graceTimer = setTimeout(
      () => signalTree(child.pid, cgroup, 'SIGKILL'),
      options.sandbox.killGraceMs,
    );
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });

  const readers = [pump(child.stdout, options.onStdout), pump(child.stderr, options.onStderr)];
  const pumps = Promise.all(readers.map((reader) => reader.done));
  await child.exited;
  // A stop requested after the exit (a timer firing during clean-up) did not end the program.
  const stopReason = signal.aborted ? (signal.reason as StopReason) : null;
  signal.removeEventListener('abort', stop);
  clearTimeout(graceTimer);

  // The execution ends with its main process: whatever it left behind dies now.
  await killRemaining(child.pid, cgroup, executionId);
  const drained = await Promise.race([
    pumps.then(() => true),
    Bun.sleep(DRAIN_LIMIT_MS).then(() => false),
  ]);
  if (!drained) {
    log.warn(
      `[${executionId}] output pipes stayed open after exit (a process escaped?); closing them`,
    );
    await Promise.all(readers.map((reader) => reader.cancel()));
  }

  return {
    exitCode: child.exitCode,
    signal: child.signalCode === null ? null : String(child.signalCode),
    stopReason,
    startError: null,
  };
}

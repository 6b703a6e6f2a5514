/** Raw sandboxed runs of any program, with its stdout and stderr kept up to a cap. */
import { runSandboxed, StopReason, type SandboxContext } from './sandbox/run.ts';
import type { EnforcedLimits } from './types.ts';

/** A raw sandboxed run of any program (for checks such as a real Dart VM's). */
export interface CommandOptions {
  executionId: string;
  /** A program the run-as user may read and execute; it is linked or copied into the sandbox. */
  executable: string;
  args?: string[];
  stdin?: string | Uint8Array;
  env?: Record<string, string>;
  memoryMb: number;
  timeoutMs: number;
  network?: boolean;
}

/** How a raw run ended; stdout and stderr are kept up to the log cap each. */
export interface CommandOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  oomKilled: boolean;
  interrupted: boolean;
  durationMs: number;
  peakMemoryBytes: number | null;
  stdout: string;
  stderr: string;
  outputTruncated: boolean;
  /** Set when the program could not be started at all. */
  startError: string | null;
  limits: EnforcedLimits;
}

/** A byte sink that keeps at most `cap` bytes. */
function createCappedText(cap: number) {
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  return {
    push(chunk: Uint8Array): void {
      const room = cap - size;
      if (chunk.length > room) truncated = true;
      if (room <= 0) return;
      const kept = chunk.subarray(0, room);
      parts.push(Uint8Array.from(kept));
      size += kept.length;
    },
    text: (): string => Buffer.concat(parts).toString('utf8'),
    truncated: (): boolean => truncated,
  };
}

/** Runs a program in the sandbox (its own cgroup, user, directory) and returns its output. */
export async function runCommandInSandbox(context: {
  sandbox: SandboxContext;
  options: CommandOptions;
  signal: AbortSignal;
  capBytes: number;
}): Promise<CommandOutcome> {
  const { sandbox, options, signal, capBytes } = context;
  const stdout = createCappedText(capBytes);
  const stderr = createCappedText(capBytes);
  const stdin =
    typeof options.stdin === 'string' ? Buffer.from(options.stdin) : (options.stdin ?? null);
  const result = await runSandboxed({
    sandbox,
    executionId: options.executionId,
    executable: options.executable,
    args: options.args ?? [],
    stdin,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...options.env },
    memoryMb: options.memoryMb,
    network: options.network ?? true,
    signal,
    onStdout: stdout.push,
    onStderr: stderr.push,
  });
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.stopReason === StopReason.timeout,
    oomKilled: result.oomKilled,
    interrupted: result.stopReason === StopReason.interrupted,
    durationMs: result.durationMs,
    peakMemoryBytes: result.peakMemoryBytes,
    stdout: stdout.text(),
    stderr: stderr.text(),
    outputTruncated: stdout.truncated() || stderr.truncated(),
    startError: result.startError,
    limits: result.limits,
  };
}

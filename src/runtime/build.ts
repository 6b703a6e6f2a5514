/** Builds a function package: detect its contract, generate the entry point, pub get, compile. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { BuildFailedError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { detectContract } from './contract.ts';
import type { DartSdk } from './dart-sdk.ts';
import { writeEntryPoint } from './entrypoint.ts';
import type { Contract } from './types.ts';

/** What to build and where the executable goes. */
export interface BuildOptions {
  sdk: DartSdk;
  /** The extracted package (it holds pubspec.yaml); the build writes into it. */
  sourceDir: string;
  /** Where `dart compile exe` writes the executable; its directory is created. */
  outputFile: string;
  /** The whole build's time limit (pub get and compile together); defaults to 10 minutes. */
  timeoutMs?: number;
  /** Aborting it kills the running step. */
  signal?: AbortSignal;
  /** The toolchain's environment; defaults to a safe subset of the server's own. */
  env?: Record<string, string | undefined>;
}

/** A successful build. */
export interface BuildResult {
  contract: Contract;
  /** Absolute path of the compiled executable. */
  executable: string;
  /** The toolchain's combined output (bounded). */
  log: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const KILL_GRACE_MS = 2_000;
/** How long a stopped build waits for the children of its step to be gone. */
const GROUP_EXIT_WAIT_MS = 2_000;
const LOG_HEAD_BYTES = 256 * 1024;
const LOG_TAIL_BYTES = 64 * 1024;
const SUMMARY_LINES = 20;
const log = createLogger('runtime');

/** Builds the package in `sourceDir`; throws InvalidFunctionError or BuildFailedError. */
export async function buildFunction(options: BuildOptions): Promise<BuildResult> {
  const sourceDir = resolve(options.sourceDir);
  const outputFile = resolve(options.outputFile);
  const detected = detectContract({ sourceDir });
  const entry =
    detected.contract === 'handler'
      ? await writeEntryPoint({ sourceDir, contract: detected })
      : join(sourceDir, detected.entryFile);
  await mkdir(dirname(outputFile), { recursive: true });

  const buildLog = new BuildLog();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const run: StepRun = {
    sdk: options.sdk,
    cwd: sourceDir,
    env: options.env ?? toolchainEnv(process.env),
    timeoutMs,
    deadline: Date.now() + timeoutMs,
    signal: options.signal,
    buildLog,
  };
  log.debug(`building ${detected.packageName} (${detected.contract} contract) in ${sourceDir}`);
  await runStep(run, ['pub', 'get']);
  await runStep(run, ['compile', 'exe', relative(sourceDir, entry), '-o', outputFile]);

  if (!existsSync(outputFile)) {
    throw new BuildFailedError(
      'dart compile exe succeeded but wrote no executable',
      buildLog.text(),
    );
  }
  return { contract: detected.contract, executable: outputFile, log: buildLog.text() };
}

interface StepRun {
  sdk: DartSdk;
  cwd: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  deadline: number;
  signal: AbortSignal | undefined;
  buildLog: BuildLog;
}

async function runStep(run: StepRun, args: string[]): Promise<void> {
  const step = `dart ${args[0]} ${args[1]}`;
  const fail = (message: string): never => {
    throw new BuildFailedError(message, run.buildLog.text());
  };
  if (run.signal?.aborted) fail(`The build was cancelled before ${step}`);
  const remaining = run.deadline - Date.now();
  if (remaining <= 0) fail(`The build timed out before ${step}`);

  run.buildLog.append(`$ dart ${args.join(' ')}\n`);
  const child = Bun.spawn([run.sdk.executable, ...args], {
    cwd: run.cwd,
    env: run.env,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    // Its own process group, so that a timeout kills pub's and the compiler's children too.
    detached: true,
  });

  let ended: 'timeout' | 'cancelled' | null = null;
  const stop = (reason: 'timeout' | 'cancelled'): void => {
    ended ??= reason;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  const timer = setTimeout(() => stop('timeout'), remaining);
  const onAbort = (): void => stop('cancelled');
  run.signal?.addEventListener('abort', onAbort, { once: true });

  const output = new StepOutput();
  try {
    await Promise.all([
      pipeInto(child.stdout, run.buildLog, output),
      pipeInto(child.stderr, run.buildLog, output),
    ]);
    await child.exited;
  } finally {
    clearTimeout(timer);
    run.signal?.removeEventListener('abort', onAbort);
  }

  const exitCode = child.exitCode;
  if (ended !== null) {
    // The step's own process has exited; its children may still be taking their signal.
    killGroup(child.pid, 'SIGKILL');
    await waitForGroupExit(child.pid, GROUP_EXIT_WAIT_MS);
  }
  if (ended === 'timeout') {
    fail(`The build timed out after ${run.timeoutMs / 1000} s, during ${step}`);
  }
  if (ended === 'cancelled') fail(`The build was cancelled during ${step}`);
  if (exitCode !== 0) {
    const how =
      exitCode === null ? `killed by ${child.signalCode ?? 'a signal'}` : `exit ${exitCode}`;
    fail(`${step} failed (${how}):\n${summarizeBuildOutput(output.text())}`);
  }
}

/** Waits (bounded) until no process of the group is left; a zombie member counts as left. */
async function waitForGroupExit(pid: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline && groupHasLiveMember(pid)) await Bun.sleep(10);
}

function groupHasLiveMember(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, pgrp, ...
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function pipeInto(
  stream: ReadableStream<Uint8Array>,
  buildLog: BuildLog,
  output: StepOutput,
) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    buildLog.append(text);
    output.append(text);
  }
  const rest = decoder.decode();
  buildLog.append(rest);
  output.append(rest);
}

/** The toolchain's own lines that say what went wrong: errors first, else the last lines. */
export function summarizeBuildOutput(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  const errors = lines.filter((line) =>
    /\bError\b|\berror:|failed|^Because |Could not|Couldn't|not found/i.test(line),
  );
  const picked = errors.length > 0 ? errors : lines.slice(-SUMMARY_LINES);
  return picked.slice(0, SUMMARY_LINES).join('\n') || '(the toolchain printed nothing)';
}

/** The server's variables a Dart toolchain needs; never the server's own secrets. */
function toolchainEnv(
  base: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const keep =
    /^(PATH|HOME|USER|LANG|LC_\w+|TMPDIR|TERM|(PUB|FLUTTER|XDG)_\w+|(https?|no)_proxy|(HTTPS?|NO)_PROXY)$/;
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(base)) {
    const dartVariable = name.startsWith('DART_') && !name.startsWith('DART_CLOUD_');
    if (keep.test(name) || dartVariable) env[name] = value;
  }
  return env;
}

/** The output of one step, kept for its error summary (bounded). */
class StepOutput {
  private chunks: string[] = [];
  private size = 0;

  append(text: string): void {
    if (this.size >= LOG_HEAD_BYTES) return;
    this.chunks.push(text);
    this.size += text.length;
  }

  text(): string {
    return this.chunks.join('');
  }
}

/** The build log: the first LOG_HEAD_BYTES and the last LOG_TAIL_BYTES, with a note between. */
class BuildLog {
  private head = '';
  private tail = '';
  private dropped = 0;

  append(text: string): void {
    if (this.head.length < LOG_HEAD_BYTES) {
      const room = LOG_HEAD_BYTES - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text === '') return;
    this.tail += text;
    if (this.tail.length > LOG_TAIL_BYTES) {
      this.dropped += this.tail.length - LOG_TAIL_BYTES;
      this.tail = this.tail.slice(-LOG_TAIL_BYTES);
    }
  }

  text(): string {
    if (this.dropped === 0) return this.head + this.tail;
    return `${this.head}\n[... ${this.dropped} characters of build output left out ...]\n${this.tail}`;
  }
}

/**
 * The runtime: runs compiled function programs in the sandbox, one process per execution,
 * with per-function concurrency slots, and stops everything on shutdown.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PayloadTooLargeError, TooManyRequestsError, ValidationError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { runCommandInSandbox, type CommandOptions, type CommandOutcome } from './command.ts';
import { createInterruptedOutcome, createOutcome } from './execution-outcome.ts';
import { createOutputCollector } from './execution-output.ts';
import {
  createFrameToken,
  encodeRequestLine,
  encodeScriptInput,
  PROTOCOL_VERSION,
} from './protocol.ts';
import {
  createCgroupBase,
  pruneEmptyBases,
  removeStaleCgroups,
  runtimeCgroupName,
} from './sandbox/cgroup.ts';
import { detectHost, renderHostCapabilities, type HostCapabilities } from './sandbox/host.ts';
import { runSandboxed, StopReason, type SandboxContext } from './sandbox/run.ts';
import {
  createSandboxLayout,
  installProgram,
  removeSandboxLayout,
  removeStaleWorkDirs,
  uninstallProgram,
} from './sandbox/workdir.ts';
import type { Contract, EnforcedLimits, ExecutionOutcome, FunctionRequest } from './types.ts';

const log = createLogger('runtime');

/** How the runtime is set up; validated once by `createRuntime`. */
export interface RuntimeConfig {
  /** The server's data directory; the runtime's private area is `<dataDir>/runtime/`. */
  dataDir: string;
  /** Who functions run as when the server runs as root (default `nobody`; null: no switch). */
  runAsUser?: string | null;
  /** Default 10; the next execute of that function throws TooManyRequestsError. */
  maxConcurrentPerFunction?: number;
  /** The largest response body a function may return (default 6 MiB). */
  responseCapBytes?: number;
  /** The log bytes kept per execution (default 1 MiB); the rest is dropped with a marker. */
  logCapBytes?: number;
  /**
   * Where working directories live. It must be reachable by the run-as user, so when one is in
   * use the default is `<tmpdir>/dart_cloud-<hash of dataDir>-sandbox`, else inside `dataDir`.
   */
  sandboxDir?: string;
  /** Processes and threads per execution (default 128). */
  pidsLimit?: number;
  /** Between SIGTERM and SIGKILL when a program is stopped (default 500 ms). */
  killGraceMs?: number;
}

/** One invocation of a function's program. */
export interface ExecuteOptions {
  executionId: string;
  functionId: string;
  functionName: string;
  /** The path `installExecutable` returned. */
  executable: string;
  contract: Contract;
  request: FunctionRequest;
  /** The function's own variables (names starting with `DART_CLOUD_` are ignored). */
  env: Record<string, string>;
  memoryMb: number;
  timeoutMs: number;
  network: boolean;
}

/** The runtime the server uses to run functions. */
export interface Runtime {
  /** What this host enforces (also logged once at creation). */
  readonly capabilities: HostCapabilities;
  /** Places a built program where the sandbox user can run it; returns the path to execute. */
  installExecutable(options: { sourceFile: string; deploymentId: string }): Promise<string>;
  removeExecutable(deploymentId: string): Promise<void>;
  execute(options: ExecuteOptions): Promise<ExecutionOutcome>;
  runCommand(options: CommandOptions): Promise<CommandOutcome>;
  /** Removes cgroups and working directories a crashed earlier run left; call before executing. */
  cleanupStale(): Promise<void>;
  /** Stops every running execution (outcome `interrupted`) and removes what they and it used. */
  shutdown(): Promise<void>;
}

const AFTER_ANSWER_GRACE_MS = 1000;
/** Linux refuses a single environment string over 128 KiB. */
const MAX_SCRIPT_INPUT_BYTES = 128 * 1024 - 64;

function buildEnvironment(options: ExecuteOptions, token: string | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) {
    if (!name.startsWith('DART_CLOUD_')) env[name] = value;
  }
  Object.assign(env, {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    DART_CLOUD_PROTOCOL: PROTOCOL_VERSION,
    DART_CLOUD_FUNCTION_ID: options.functionId,
    DART_CLOUD_FUNCTION_NAME: options.functionName,
    DART_CLOUD_EXECUTION_ID: options.executionId,
  });
  if (token !== null) env.DART_CLOUD_FRAME = token;
  return env;
}

/** Detects the host, prepares the sandbox directories and returns the runtime. */
export function createRuntime(config: RuntimeConfig): Runtime {
  const dataDir = resolve(config.dataDir);
  const host = detectHost({ runAsUser: config.runAsUser });
  const maxConcurrent = config.maxConcurrentPerFunction ?? 10;
  const responseCapBytes = config.responseCapBytes ?? 6 * 1024 * 1024;
  const logCapBytes = config.logCapBytes ?? 1024 * 1024;
  const pidsLimit = config.pidsLimit ?? 128;
  const killGraceMs = config.killGraceMs ?? 500;
  const cgroupBase = runtimeCgroupName(dataDir);
  const defaultRoot =
    host.credentials === null
      ? join(dataDir, 'runtime', 'sandbox')
      : join(tmpdir(), `${cgroupBase}-sandbox`);
  const layout = createSandboxLayout({
    programs: join(dataDir, 'runtime', 'bin'),
    root: config.sandboxDir ?? defaultRoot,
    credentials: host.credentials,
  });
  if (host.cgroups !== null) createCgroupBase(host.cgroups, cgroupBase);
  const sandbox: SandboxContext = { host, layout, cgroupBase, pidsLimit, killGraceMs };

  for (const line of renderHostCapabilities(host.capabilities)) {
    if (line.startsWith('not enforced')) log.warn(`sandbox ${line}`);
    else log.info(`sandbox ${line}`);
  }

  const slots = new Map<string, number>();
  const running = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  let stopping = false;
  const baseLimits: EnforcedLimits = {
    memory: host.capabilities.memory,
    pids: host.capabilities.pids,
    user: host.capabilities.user,
    network: 'host',
    cgroup: host.capabilities.cgroup,
  };

  const acquire = (functionId: string, functionName: string): void => {
    const used = slots.get(functionId) ?? 0;
    if (used >= maxConcurrent) {
      throw new TooManyRequestsError(
        `Function '${functionName}' already runs its maximum of ${maxConcurrent} concurrent executions; retry shortly`,
      );
    }
    slots.set(functionId, used + 1);
  };
  const release = (functionId: string): void => {
    const used = (slots.get(functionId) ?? 1) - 1;
    if (used <= 0) slots.delete(functionId);
    else slots.set(functionId, used);
  };

  /** Runs one program with a timeout; the controller's first abort reason says why it stopped. */
  const track = async <T>(
    executionId: string,
    controller: AbortController,
    run: () => Promise<T>,
  ): Promise<T> => {
    const done = run();
    running.set(executionId, { controller, done: done.catch(() => {}) });
    try {
      return await done;
    } finally {
      running.delete(executionId);
    }
  };

  const execute = async (options: ExecuteOptions): Promise<ExecutionOutcome> => {
    if (stopping) return createInterruptedOutcome(baseLimits);
    const { executionId, contract } = options;
    if (!(options.memoryMb > 0) || !(options.timeoutMs > 0)) {
      throw new ValidationError(
        `Expected memoryMb and timeoutMs to be positive, got ${options.memoryMb} and ${options.timeoutMs}`,
      );
    }
    const env = buildEnvironment(options, contract === 'handler' ? createFrameToken() : null);
    if (contract === 'script') {
      env.FUNCTION_INPUT = encodeScriptInput(options.request);
      if (Buffer.byteLength(env.FUNCTION_INPUT) > MAX_SCRIPT_INPUT_BYTES) {
        throw new PayloadTooLargeError(
          'A script-contract function receives its request in FUNCTION_INPUT, which holds at most 128 KiB',
        );
      }
    }
    acquire(options.functionId, options.functionName);

    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(StopReason.timeout), options.timeoutMs);
    const collector = createOutputCollector({
      contract,
      executionId,
      token: env.DART_CLOUD_FRAME ?? null,
      responseCapBytes,
      logCapBytes,
      onAnswer(answer) {
        clearTimeout(timer);
        if (answer.kind === 'response' || answer.kind === 'error') {
          timer = setTimeout(() => controller.abort(StopReason.answered), AFTER_ANSWER_GRACE_MS);
        } else {
          controller.abort(StopReason.rejected);
        }
      },
    });
    const stdin =
      contract === 'handler'
        ? Buffer.from(encodeRequestLine({ id: executionId, request: options.request }))
        : null;

    try {
      const result = await track(executionId, controller, () =>
        runSandboxed({
          sandbox,
          executionId,
          executable: options.executable,
          args: [],
          stdin,
          env,
          memoryMb: options.memoryMb,
          network: options.network,
          signal: controller.signal,
          onStdout: collector.stdout,
          onStderr: collector.stderr,
        }),
      );
      const exitedCleanly = result.exitCode === 0 && result.stopReason === null;
      const outcome = createOutcome(result, collector.finish({ exitedCleanly }), {
        contract,
        memoryMb: options.memoryMb,
        timeoutMs: options.timeoutMs,
        responseCapBytes,
      });
      log.debug(
        `[${executionId}] ${options.functionName}: ${outcome.status} in ${outcome.durationMs} ms`,
      );
      return outcome;
    } finally {
      clearTimeout(timer);
      release(options.functionId);
    }
  };

  const runCommand = async (options: CommandOptions): Promise<CommandOutcome> => {
    const controller = new AbortController();
    if (stopping) controller.abort(StopReason.interrupted);
    const timer = setTimeout(() => controller.abort(StopReason.timeout), options.timeoutMs);
    try {
      return await track(options.executionId, controller, () =>
        runCommandInSandbox({ sandbox, options, signal: controller.signal, capBytes: logCapBytes }),
      );
    } finally {
      clearTimeout(timer);
    }
  };

  const cleanup = async (removeBase: boolean): Promise<void> => {
    const cgroups =
      host.cgroups === null ? 0 : await removeStaleCgroups(host.cgroups, cgroupBase, removeBase);
    const dirs = removeStaleWorkDirs(layout);
    if (cgroups + dirs > 0)
      log.info(`removed ${cgroups} stale cgroups and ${dirs} stale working directories`);
  };

  return {
    capabilities: host.capabilities,
    installExecutable: async (options) => installProgram(layout, options),
    removeExecutable: async (deploymentId) => uninstallProgram(layout, deploymentId),
    execute,
    runCommand,
    async cleanupStale(): Promise<void> {
      await cleanup(false);
      if (host.cgroups !== null) pruneEmptyBases(host.cgroups, cgroupBase);
    },
    async shutdown(): Promise<void> {
      stopping = true;
      const inFlight = [...running.values()];
      for (const { controller } of inFlight) controller.abort(StopReason.interrupted);
      await Promise.all(inFlight.map((entry) => entry.done));
      await cleanup(true);
      removeSandboxLayout(layout);
    },
  };
}

/** What this host enforces; the same detection the runtime does, for `dart_cloud doctor`. */
export { probeHost, renderHostCapabilities, type HostCapabilities } from './sandbox/host.ts';

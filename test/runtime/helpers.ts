/** Shared setup for runtime tests: a fresh runtime on temporary directories, test programs. */
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRuntime,
  probeHost,
  type ExecuteOptions,
  type Runtime,
  type RuntimeConfig,
} from '../../src/runtime/executor.ts';
import { cgroupBase, runtimeCgroupName } from '../../src/runtime/sandbox/cgroup.ts';
import { detectCgroups } from '../../src/runtime/sandbox/host.ts';
import type { FunctionRequest } from '../../src/runtime/types.ts';

const PROGRAMS = join(import.meta.dir, '..', 'fixtures', 'dart-standin', 'programs');
const NODE = Bun.which('node');

/** What this host gives the tests; probed once. */
export const host = probeHost();
export const isRoot = process.getuid?.() === 0;
/** Cgroup memory and pids limits, as root with a run-as user: the full sandbox. */
export const fullSandbox = isRoot && host.memory && host.pids && host.user !== null;

/** Prints once why a group of tests is skipped on this host. */
export function explainSkip(what: string, needs: string, available: boolean): void {
  if (!available)
    console.log(`skipped: ${what}: needs ${needs}; on this host: ${host.notes.join(' ')}`);
}

/** A test runtime plus the installed stand-in programs. */
export interface TestRuntime {
  runtime: Runtime;
  dataDir: string;
  sandboxDir: string;
  handler: string;
  script: string;
  /** Writes a one-off program (shebang included) and installs it. */
  install(name: string, source: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** Builds a fresh runtime on a 0700 data directory and installs handler.mjs and script.mjs. */
export async function createTestRuntime(config: Partial<RuntimeConfig> = {}): Promise<TestRuntime> {
  if (NODE === null)
    throw new Error('The runtime tests need node on PATH to run the stand-in programs');
  const dataDir = mkdtempSync(join(tmpdir(), 'dc-runtime-data-'));
  const sandboxDir = mkdtempSync(join(tmpdir(), 'dc-runtime-sandbox-'));
  chmodSync(dataDir, 0o700);
  writeFileSync(join(dataDir, 'secret.txt'), 'the server secret\n', { mode: 0o644 });
  const runtime = createRuntime({ dataDir, sandboxDir, ...config });

  let count = 0;
  const install = async (name: string, source: string): Promise<string> => {
    count += 1;
    const file = join(dataDir, `${name}.build`);
    writeFileSync(file, source);
    return runtime.installExecutable({ sourceFile: file, deploymentId: `${name}-${count}` });
  };
  const standin = (file: string): string =>
    `#!${NODE}\n${readFileSync(join(PROGRAMS, file), 'utf8')}`;
  const handler = await install('handler', standin('handler.mjs'));
  const script = await install('script', standin('script.mjs'));

  return {
    runtime,
    dataDir,
    sandboxDir,
    handler,
    script,
    install,
    async cleanup() {
      await runtime.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(sandboxDir, { recursive: true, force: true });
    },
  };
}

let executions = 0;

/** A unique execution id. */
export function nextExecutionId(): string {
  executions += 1;
  return `exec-${process.pid}-${Date.now().toString(36)}-${executions}`;
}

/** A POST request with this JSON body. */
export function request(body: unknown): FunctionRequest {
  return {
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json' },
    query: {},
    body,
  };
}

/** Execute options for the handler program with test defaults; override any field. */
export function handlerRun(
  t: TestRuntime,
  body: unknown,
  overrides: Partial<ExecuteOptions> = {},
): ExecuteOptions {
  return {
    executionId: nextExecutionId(),
    functionId: 'fn-test',
    functionName: 'test-function',
    executable: t.handler,
    contract: 'handler',
    request: request(body),
    env: {},
    memoryMb: 256,
    timeoutMs: 10_000,
    network: true,
    ...overrides,
  };
}

/** Execute options for the script program. */
export function scriptRun(
  t: TestRuntime,
  body: unknown,
  overrides: Partial<ExecuteOptions> = {},
): ExecuteOptions {
  return handlerRun(t, body, { executable: t.script, contract: 'script', ...overrides });
}

/** The response body of an outcome as JSON. */
export function json(body: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(body ?? new Uint8Array()).toString('utf8'));
}

/** Pids of live processes whose environment names this execution. */
export function processesOf(executionId: string): number[] {
  const needle = `DART_CLOUD_EXECUTION_ID=${executionId}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      const state = readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (environ.includes(needle) && !/\) Z /.test(state)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

/** Entries left in the sandbox's per-execution area. */
export function workDirsLeft(t: TestRuntime): string[] {
  const work = join(t.sandboxDir, 'work');
  return existsSync(work) ? readdirSync(work) : [];
}

/** Execution cgroups left under this runtime's base cgroup(s), and whether the bases exist. */
export function cgroupsLeft(t: TestRuntime): { bases: string[]; children: string[] } {
  const parents = detectCgroups();
  if (parents === null) return { bases: [], children: [] };
  const base = cgroupBase(parents, runtimeCgroupName(t.dataDir));
  const bases = [...new Set([base.memory, base.pids])].filter(
    (dir): dir is string => dir !== null && existsSync(dir),
  );
  const children = bases.flatMap((dir) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name)),
  );
  return { bases, children };
}

/** Records the processes of an execution while it runs: pid to its latest command line. */
export function watchProcesses(executionId: string): { stop(): Map<number, string> } {
  const seen = new Map<number, string>();
  const look = (): void => {
    for (const pid of processesOf(executionId)) {
      // Read again each time: a child seen between its fork and its exec still shows the parent's.
      try {
        seen.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim());
      } catch {
        // Exited while we looked.
      }
    }
  };
  const timer = setInterval(look, 20);
  return {
    stop() {
      clearInterval(timer);
      return seen;
    },
  };
}

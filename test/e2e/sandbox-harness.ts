/**
 * Shared setup for the sandbox end-to-end tests: a compiled server with the test function
 * deployed, invoke and record helpers, and looks at what an execution leaves on the host
 * (processes, cgroups, working directories, the server's memory).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeHost } from '../../src/runtime/executor.ts';
import { cgroupBase, runtimeCgroupName } from '../../src/runtime/sandbox/cgroup.ts';
import { detectCgroups } from '../../src/runtime/sandbox/host.ts';
import {
  callApi,
  deployFixture,
  registerAccount,
  startCompiledServer,
  type CompiledServer,
} from '../helpers/compiled-server.ts';

export { isAlive, processesOf } from '../runtime/helpers.ts';

/** What this host lets the server enforce; the server detects the same at its start. */
export const host = probeHost();
export const isRoot = process.getuid?.() === 0;
/** Root with a run-as user: functions run unprivileged. */
export const runsAsUser = isRoot && host.user !== null;

/** Prints once why a group of tests is skipped on this host. */
export function explainSkip(what: string, needs: string, available: boolean): void {
  if (!available)
    console.log(`skipped: ${what}: needs ${needs}; on this host: ${host.notes.join(' ')}`);
}

/** One function to deploy: the fixture (default `test_function`) and extra multipart fields. */
export interface FunctionSpec {
  fixture?: 'test_function' | 'test_script';
  fields?: Record<string, string>;
}

/** An answer of the API: status, headers and parsed body. */
export type ApiAnswer = Awaited<ReturnType<typeof callApi>>;

/** A server with an account and deployed functions. */
export interface SandboxWorld {
  server: CompiledServer;
  token: string;
  invoke(name: string, body: unknown): Promise<ApiAnswer>;
  /** The execution record as the API shows it. */
  record(name: string, executionId: string): Promise<any>;
  /** The stored log lines of one execution. */
  logs(name: string, executionId: string, limit?: number): Promise<any[]>;
  /** Waits until `count` executions of the function are running; answers their ids. */
  waitForRunning(name: string, count?: number): Promise<string[]>;
}

/** Starts a server, registers an account and deploys the functions (all must build). */
export async function startSandboxWorld(options: {
  functions: Record<string, FunctionSpec>;
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
  user?: { uid: number; gid: number };
}): Promise<SandboxWorld> {
  const server = await startCompiledServer({
    args: options.args ?? [],
    env: options.env ?? {},
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.user === undefined ? {} : { user: options.user }),
  });
  const token = await registerAccount(server.url);
  for (const [name, spec] of Object.entries(options.functions)) {
    try {
      await deployFixture(server.url, token, { name, ...spec });
    } catch (error) {
      await server.stop();
      throw error;
    }
  }
  return connectWorld(server, token);
}

/** The helpers of a world for a server that already has the account behind `token`. */
export function connectWorld(server: CompiledServer, token: string): SandboxWorld {
  const get = (path: string) => callApi(server.url, { path, token });
  return {
    server,
    token,
    invoke: (name, body) =>
      callApi(server.url, {
        method: 'POST',
        path: `/api/functions/${name}/invoke`,
        token,
        json: { body },
      }),
    record: async (name, id) => (await get(`/api/functions/${name}/executions/${id}`)).body,
    logs: async (name, id, limit = 1000) =>
      (await get(`/api/functions/${name}/logs?execution_id=${id}&limit=${limit}`)).body.logs,
    async waitForRunning(name, count = 1) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const list = await get(`/api/functions/${name}/executions?limit=100`);
        const running = (list.body.executions as { id: string; status: string }[])
          .filter((execution) => execution.status === 'running')
          .map((execution) => execution.id);
        if (running.length >= count) return running;
        if (Date.now() > deadline)
          throw new Error(`Expected ${count} running executions of ${name}, saw ${running.length}`);
        await Bun.sleep(25);
      }
    },
  };
}

/** The cgroup directories a server on `dataDir` keeps, per controller (none without cgroups). */
export function baseCgroupDirs(dataDir: string): string[] {
  const parents = detectCgroups();
  if (parents === null) return [];
  const base = cgroupBase(parents, runtimeCgroupName(dataDir));
  return [...new Set([base.memory, base.pids])].filter((dir): dir is string => dir !== null);
}

/** The cgroup directories of one execution that exist now. */
export function executionCgroups(dataDir: string, executionId: string): string[] {
  return baseCgroupDirs(dataDir)
    .map((dir) => join(dir, executionId))
    .filter((dir) => existsSync(dir));
}

/** Execution cgroups left under a server's base cgroups. */
export function cgroupsLeft(dataDir: string): string[] {
  return baseCgroupDirs(dataDir).flatMap((dir) =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => join(dir, entry.name))
      : [],
  );
}

/** Where a server on `dataDir` keeps working directories (the runtime's default places). */
export function sandboxRoot(dataDir: string): string {
  return runsAsUser
    ? join(tmpdir(), `${runtimeCgroupName(dataDir)}-sandbox`)
    : join(dataDir, 'runtime', 'sandbox');
}

/** Working directories left by a server on `dataDir`. */
export function workDirsLeft(dataDir: string): string[] {
  const work = join(sandboxRoot(dataDir), 'work');
  return existsSync(work) ? readdirSync(work).map((entry) => join(work, entry)) : [];
}

/** The resident memory of a process, from /proc/<pid>/status. */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`No VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Waits until `check` holds or `timeoutMs` passes; answers whether it held. */
export async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(25);
  }
  return true;
}

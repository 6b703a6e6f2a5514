/**
 * Drives the compiled `dist/dart_cloud` as a user would: a server on a free loopback port with
 * a temporary data directory and the stand-in Dart toolchain, and CLI runs with their own HOME
 * and XDG directories.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dir, '../..');
/** The executable under test (`bun run build`). */
export const BINARY = join(ROOT, 'dist', 'dart_cloud');
/** The stand-in Dart toolchain (a test instrument). */
export const DART_STANDIN = join(ROOT, 'test', 'fixtures', 'dart-standin', 'bin', 'dart');

/** What one CLI run left behind. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running server and a sandbox of user directories for the CLI. */
export interface CliWorld {
  url: string;
  tmp: string;
  /** The environment every CLI run gets (fresh, not the test runner's). */
  env: Record<string, string>;
  run(
    args: string[],
    options?: { env?: Record<string, string>; timeoutMs?: number },
  ): Promise<CliResult>;
  /** Stops the server with SIGTERM and answers its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `dart_cloud serve --port 0` and waits for its `listening on` line. */
export async function startWorld(options: { serveArgs?: string[] } = {}): Promise<CliWorld> {
  const tmp = mkdtempSync(join(tmpdir(), 'dart-cloud-cli-e2e-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(tmp, 'home'),
    XDG_CONFIG_HOME: join(tmp, 'config'),
    XDG_DATA_HOME: join(tmp, 'data-home'),
    DART_CLOUD_DART: DART_STANDIN,
    DART_CLOUD_LOG_LEVEL: 'warn',
    NO_COLOR: '1',
  };
  // These tests make more requests a minute than the seed's rate limit allows one account.
  const unlimited = ['--rate-limit-minute=0', '--rate-limit-hour=0'];
  const server = Bun.spawn(
    [
      BINARY,
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(tmp, 'data'),
      ...unlimited,
      ...(options.serveArgs ?? []),
    ],
    { env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' },
  );
  const url = await readListeningUrl(server);

  const run: CliWorld['run'] = async (args, runOptions = {}) => {
    const child = Bun.spawn([BINARY, ...args], {
      env: { ...env, DART_CLOUD_SERVER: url, ...runOptions.env },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      timeout: runOptions.timeoutMs ?? 30_000,
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { code, stdout, stderr };
  };

  return {
    url,
    tmp,
    env,
    run,
    async stop() {
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      const code = await server.exited;
      clearTimeout(timer);
      rmSync(tmp, { recursive: true, force: true });
      return code;
    },
  };
}

async function readListeningUrl(server: Bun.Subprocess<'ignore', 'pipe', 'pipe'>): Promise<string> {
  const stderr = new Response(server.stderr).text();
  const reader = server.stdout.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { value, done } = await Promise.race([
      reader.read(),
      Bun.sleep(Math.max(0, deadline - Date.now())).then(() => ({ value: undefined, done: true })),
    ]);
    if (done) break;
    seen += decoder.decode(value, { stream: true });
    const match = /dart_cloud listening on (\S+)/.exec(seen);
    if (match?.[1]) {
      reader.releaseLock();
      return match[1];
    }
  }
  server.kill('SIGKILL');
  throw new Error(`serve printed no 'listening on' line; stdout: ${seen}; stderr: ${await stderr}`);
}

/** A process whose output is read as it comes, for `--follow` and terminal sessions. */
export interface LiveProcess {
  proc: Bun.Subprocess<'pipe', 'pipe', 'pipe'>;
  output: () => string;
  /** Resolves when the output matches, or throws after `timeoutMs`. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  write: (text: string) => void;
}

/** Spawns a command and collects stdout and stderr together as they arrive. */
export function spawnLive(options: { cmd: string[]; env: Record<string, string> }): LiveProcess {
  const proc = Bun.spawn(options.cmd, {
    env: options.env,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let text = '';
  const collect = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  void collect(proc.stdout);
  void collect(proc.stderr);

  return {
    proc,
    output: () => text,
    async waitFor(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (Date.now() > deadline)
          throw new Error(`Timed out waiting for ${pattern}; output so far:\n${text}`);
        await Bun.sleep(25);
      }
    },
    write(input) {
      proc.stdin.write(input);
      proc.stdin.flush();
    },
  };
}

/** Quotes arguments for the shell command that `script -c` runs. */
export function shellQuote(args: string[]): string {
  return args.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
}

/** Whether `script` (util-linux) is here to give a command a pseudo-terminal. */
export const HAS_SCRIPT = Bun.which('script') !== null;

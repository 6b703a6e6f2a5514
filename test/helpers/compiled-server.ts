/**
 * Starts the compiled `dist/dart_cloud serve` on a free loopback port with a temporary data
 * directory and the stand-in Dart toolchain (a test instrument), and waits until it is healthy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packDirectory } from '../../src/archive/pack.ts';

const ROOT = resolve(import.meta.dir, '../..');

/** The compiled executable the end-to-end tests drive. */
export const BINARY = join(ROOT, 'dist', 'dart_cloud');

/** The stand-in `dart`, unless DART_CLOUD_DART points at a real SDK. */
export const DART =
  process.env.DART_CLOUD_DART ?? join(ROOT, 'test', 'fixtures', 'dart-standin', 'bin', 'dart');

/** A server under test. */
export interface CompiledServer {
  url: string;
  dataDir: string;
  /** The server process, for signals and /proc. */
  pid: number;
  /** Sends the server a signal without waiting; `exited` settles when it is gone. */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number>;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** Stops the server; its data directory is removed unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts a server; `args` are extra `serve` arguments such as `--allow-signup`; `user` runs it
 * as another user (the test runner must be root, the data directory that user's).
 */
export async function startCompiledServer(
  options: {
    args?: string[];
    env?: Record<string, string>;
    dataDir?: string;
    user?: { uid: number; gid: number };
  } = {},
): Promise<CompiledServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'dart-cloud-e2e-')));
  const child = Bun.spawn(
    [BINARY, 'serve', '--port', '0', '--data-dir', dataDir, ...withTestRateLimits(options.args)],
    {
      env: { ...process.env, DART_CLOUD_DART: DART, DART_CLOUD_LOG_LEVEL: 'info', ...options.env },
      stdout: 'pipe',
      stderr: 'pipe',
      ...options.user,
    },
  );

  let output = '';
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  void drain(child.stdout);
  void drain(child.stderr);

  const stop = async (stopOptions: { keepData?: boolean } = {}) => {
    child.kill('SIGTERM');
    const exited = await Promise.race([child.exited, Bun.sleep(10_000).then(() => null)]);
    if (exited === null) child.kill('SIGKILL');
    await child.exited;
    if (!stopOptions.keepData) await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    if (url && (await isHealthy(url))) {
      const kill = (signal: NodeJS.Signals) => child.kill(signal);
      const exited = child.exited;
      return { url, dataDir, pid: child.pid, kill, exited, output: () => output, stop };
    }
    if (child.exitCode !== null) break;
    await Bun.sleep(50);
  }
  await stop();
  throw new Error(`The server did not become healthy within 15 s. Its output:\n${output}`);
}

/**
 * Suites make far more requests per account than the seed's 60 a minute; they get generous
 * limits unless they name their own (the rate-limit suites do).
 */
export function withTestRateLimits(args: string[] = []): string[] {
  const names = (option: string) => args.some((a) => a === option || a.startsWith(`${option}=`));
  const defaults: string[] = [];
  if (!names('--rate-limit-minute')) defaults.push('--rate-limit-minute', '100000');
  if (!names('--rate-limit-hour')) defaults.push('--rate-limit-hour', '1000000');
  return [...args, ...defaults];
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/api/health`)).ok;
  } catch {
    return false;
  }
}

/** Registers an account on a server and answers its token. */
export async function registerAccount(
  url: string,
  email = 'dev@example.com',
  password = 'correct-horse',
): Promise<string> {
  const response = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 201)
    throw new Error(`register answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** Packs a fixture directory (relative to test/fixtures) into a tar.gz. */
export function packFixture(name: string): Promise<Uint8Array> {
  return packDirectory({ dir: join(ROOT, 'test', 'fixtures', name) });
}

/** Deploys a packed archive with optional extra fields. */
export function deployArchive(
  url: string,
  token: string,
  options: { name: string; archive: Uint8Array; fields?: Record<string, string> },
): Promise<Response> {
  const form = new FormData();
  form.set('name', options.name);
  for (const [key, value] of Object.entries(options.fields ?? {})) form.set(key, value);
  form.set(
    'archive',
    new Blob([options.archive as Uint8Array<ArrayBuffer>], { type: 'application/gzip' }),
    'function.tar.gz',
  );
  return fetch(`${url}/api/functions/deploy`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

/** Packs a fixture and deploys it as a new function; throws unless the server answers 201. */
export async function deployFixture(
  url: string,
  token: string,
  options: { name: string; fixture?: string; fields?: Record<string, string> },
): Promise<void> {
  const response = await deployArchive(url, token, {
    name: options.name,
    archive: await packFixture(options.fixture ?? 'test_function'),
    ...(options.fields === undefined ? {} : { fields: options.fields }),
  });
  if (response.status !== 201)
    throw new Error(
      `deploy of ${options.name} answered ${response.status}: ${await response.text()}`,
    );
}

/** A JSON call with a token; answers the status and the parsed body. */
export async function callApi(
  url: string,
  options: {
    method?: string;
    path: string;
    token?: string;
    json?: unknown;
    body?: string;
    headers?: Record<string, string>;
  },
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${url}${options.path}`, {
    method: options.method ?? 'GET',
    headers,
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

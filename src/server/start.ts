/** Starts the server: data directory, database, secret, runtime, then the HTTP listener. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { ServerStartError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { openDatabase, type Db } from '../db/client.ts';
import type { ServiceContext, Toolchain } from '../functions/context.ts';
import { createEnvCipher, type EnvCipher } from '../functions/env-cipher.ts';
import { sealStoredEnv } from '../functions/env.ts';
import { recoverUnfinishedWork } from '../functions/recovery.ts';
import { createRuntime } from '../runtime/executor.ts';
import { createApp } from './app.ts';
import { validateServerOptions, type ServerConfig, type ServerOptions } from './config.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { loadOrCreateEnvKey, loadOrCreateSecret } from './secret.ts';
import { createToolchain } from './toolchain.ts';

export type { ServerOptions } from './config.ts';

/** A listening server. */
export interface RunningServer {
  /** Such as `http://127.0.0.1:8080`. */
  url: string;
  /** Stops accepting requests, ends running executions, closes the database. */
  stop(): Promise<void>;
}

/** Starts a server with checked options; throws ValidationError on a bad option. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const config = validateServerOptions(options);

  await createDataDir(config.dataDir);
  const lock = acquireDataDirLock({ dataDir: config.dataDir });
  try {
    return await startLocked(config, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startLocked(config: ServerConfig, lock: DataDirLock): Promise<RunningServer> {
  const httpLog = createLogger('http');
  const runtimeLog = createLogger('runtime');
  const dbPath = join(config.dataDir, 'dart_cloud.db');
  // SQLite gives the -wal and -shm files the mode of the database file: owner-only for all three.
  await writeFile(dbPath, '', { flag: 'a', mode: 0o600 });
  await chmod(dbPath, 0o600);
  const db = openDatabase(dbPath);
  const secret = await loadOrCreateSecret(config.dataDir);
  const envCipher = await openEnvCipher({ dataDir: config.dataDir, db, logger: httpLog });

  // The runtime logs what this host enforces (tag `runtime`) as it detects it.
  const runtime = createRuntime({
    dataDir: config.dataDir,
    runAsUser: config.runAsUser,
    maxConcurrentPerFunction: config.maxConcurrentPerFunction,
  });
  await runtime.cleanupStale();
  const recovered = recoverUnfinishedWork(db, Date.now());
  if (recovered.executions + recovered.deployments > 0) {
    runtimeLog.warn(
      `Settled what the last server left unfinished: ${recovered.executions} execution(s) ` +
        `marked interrupted, ${recovered.deployments} build(s) marked failed`,
    );
  }

  const toolchain = createToolchain({ dartPath: config.dartPath });
  await reportDartSdk(toolchain, runtimeLog);

  const services: ServiceContext = {
    db,
    dataDir: config.dataDir,
    toolchain,
    runtime,
    logger: createLogger('functions'),
    envCipher,
    allowSignup: config.allowSignup,
    now: () => Date.now(),
  };
  const app = createApp({
    services,
    secret,
    version: packageJson.version,
    rateLimits: config.rateLimits,
    trustProxy: config.trustProxy,
  });
  try {
    app.listen({
      hostname: config.host,
      port: config.port,
      // Elysia's Bun adapter shares the port by default; a second server must fail instead.
      reusePort: false,
      // Bun's own refusal is a bare 413. The app refuses a long Content-Length itself, with an
      // error body, and every route reads its body under its own cap (src/server/request.ts).
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    });
  } catch (error) {
    await runtime.shutdown();
    db.$client.close();
    throw describeListenError(error, config);
  }

  const port = app.server?.port ?? config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  // The URL itself is the CLI's one stdout line (`dart_cloud listening on <url>`), not logged twice.
  httpLog.info(`Data in ${config.dataDir}${config.allowSignup ? ', sign-up open' : ''}`);

  let stopped: Promise<void> | null = null;
  return {
    url,
    stop() {
      stopped ??= (async () => {
        // Stop listening first; in-flight invocations end (as `interrupted`) with the runtime,
        // then their answers go out before the connections close.
        const server = app.server;
        const closing = app.stop();
        await runtime.shutdown();
        const deadline = Date.now() + 3_000;
        while ((server?.pendingRequests ?? 0) > 0 && Date.now() < deadline) await Bun.sleep(20);
        // Idle keep-alive connections would hold a graceful stop open; the answers are written.
        await server?.stop(true);
        await closing;
        db.$client.close();
        lock.release();
        httpLog.info('Stopped');
      })();
      return stopped;
    },
  };
}

/** Creates the data directory (owner-only), or says plainly why it cannot be one. */
async function createDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'it (or a parent) is a file, not a directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : (error as Error).message;
    throw new ServerStartError(
      `Cannot use ${dataDir} as the data directory: ${why}. Pass --data-dir a directory path.`,
      { cause: error },
    );
  }
}

/** The listener's failure as a message that names the port or the address. */
function describeListenError(error: unknown, config: ServerConfig): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new ServerStartError(
      `Port ${config.port} on ${config.host} is already in use, perhaps by another dart_cloud ` +
        'server. Stop it, or pass another --port (0 picks a free one).',
      { cause: error },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'EAGAIN' || code === 'ENOTFOUND' || code === 'EINVAL') {
    return new ServerStartError(
      `Cannot listen on ${config.host}: it is not an address of this host, or does not resolve. ` +
        'Pass --host an address such as 127.0.0.1, 0.0.0.0 or ::1.',
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function reportDartSdk(
  toolchain: Toolchain,
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  try {
    const sdk = await toolchain.resolveSdk();
    logger.info(`${sdk.versionLine} at ${sdk.executable}`);
  } catch (error) {
    logger.warn(`${(error as Error).message} Deploys fail until one is found.`);
  }
}

/** Loads (or creates) the env key and seals the values an earlier version kept in plaintext. */
async function openEnvCipher(options: {
  dataDir: string;
  db: Db;
  logger: ReturnType<typeof createLogger>;
}): Promise<EnvCipher> {
  const { key, path } = await loadOrCreateEnvKey(options.dataDir);
  const envCipher = createEnvCipher(key);
  const result = sealStoredEnv({ db: options.db, envCipher });
  if (result.sealed > 0) {
    options.logger.info(`Encrypted ${result.sealed} env value(s) stored in plaintext`);
  }
  if (result.unreadable > 0) {
    options.logger.warn(
      `${result.unreadable} env value(s) do not decrypt with the key in ${path}; restore the key ` +
        'that sealed them, or set those variables again',
    );
  }
  return envCipher;
}

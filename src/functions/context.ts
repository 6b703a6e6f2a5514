/**
 * What the services behind the routes depend on. The toolchain and runtime are ports: the server
 * wires the real archive, build and executor modules in; tests wire fakes.
 */
import type { ConsolaInstance } from 'consola';
import type { Db } from '../db/client.ts';
import type { EnvCipher } from './env-cipher.ts';
import type { BuildResult } from '../runtime/build.ts';
import type { DartSdk } from '../runtime/dart-sdk.ts';
import type { ExecuteOptions } from '../runtime/executor.ts';
import type { ExecutionOutcome } from '../runtime/types.ts';

/** Archive extraction, SDK lookup and builds (src/archive and src/runtime). */
export interface Toolchain {
  resolveSdk(): Promise<DartSdk>;
  extract(options: {
    archive: Uint8Array;
    destDir: string;
  }): Promise<{ files: number; bytes: number }>;
  build(options: {
    sdk: DartSdk;
    sourceDir: string;
    outputFile: string;
    timeoutMs?: number;
  }): Promise<BuildResult>;
}

/** The sandboxed executor (src/runtime/executor.ts). */
export interface RuntimePort {
  /** Copies a built program to where executions run it; answers its installed path. */
  installExecutable(options: { sourceFile: string; deploymentId: string }): Promise<string>;
  removeExecutable(deploymentId: string): Promise<void>;
  /** Throws TooManyRequestsError when the function already runs its maximum. */
  execute(options: ExecuteOptions): Promise<ExecutionOutcome>;
}

/** Everything a service call may use. */
export interface ServiceContext {
  db: Db;
  dataDir: string;
  toolchain: Toolchain;
  runtime: RuntimePort;
  logger: ConsolaInstance;
  /** Seals env var values for the database and opens them again. */
  envCipher: EnvCipher;
  /** Whether anyone may register while accounts exist. */
  allowSignup: boolean;
  /** Milliseconds since the epoch; replaceable in tests. */
  now(): number;
}

/**
 * In-process fakes of the toolchain and the runtime, for route and service tests that need no
 * real build or sandbox. The archive's bytes choose the build's fate: `fail` fails the build,
 * `reject` is refused as an archive; the request body's `action` chooses the execution's outcome.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArchiveRejectedError,
  BuildFailedError,
  TooManyRequestsError,
} from '../../src/core/errors.ts';
import type { RuntimePort, Toolchain } from '../../src/functions/context.ts';
import type { ExecuteOptions } from '../../src/runtime/executor.ts';
import type { ExecutionOutcome } from '../../src/runtime/types.ts';

const LIMITS = { memory: false, pids: false, user: null, network: 'host', cgroup: null } as const;

/** A toolchain whose "build" copies the archive's text into the program file. */
export function createFakeToolchain(): Toolchain {
  return {
    async resolveSdk() {
      return {
        executable: '/fake/dart',
        version: '3.10.0',
        versionLine: 'Dart SDK version: 3.10.0',
      };
    },
    async extract({ archive, destDir }) {
      const text = new TextDecoder().decode(archive);
      if (text === 'reject')
        throw new ArchiveRejectedError("Archive entry '../evil' leaves the package directory");
      await mkdir(destDir, { recursive: true });
      await writeFile(join(destDir, 'pubspec.yaml'), text);
      return { files: 1, bytes: archive.byteLength };
    },
    async build({ sourceDir, outputFile }) {
      const text = await Bun.file(join(sourceDir, 'pubspec.yaml')).text();
      if (text === 'fail')
        throw new BuildFailedError(
          'dart compile exe failed',
          "lib/main.dart:1:1: Error: Expected ';'",
        );
      await mkdir(join(outputFile, '..'), { recursive: true });
      await writeFile(outputFile, text);
      return {
        contract: 'handler',
        executable: outputFile,
        log: 'Resolving dependencies...\nCompiled',
      };
    },
  };
}

/** A runtime that acts out the test function's behaviours without running anything. */
export function createFakeRuntime(): RuntimePort & {
  executed: ExecuteOptions[];
  removed: string[];
} {
  const executed: ExecuteOptions[] = [];
  const removed: string[] = [];
  return {
    executed,
    removed,
    async installExecutable({ sourceFile }) {
      return sourceFile;
    },
    async removeExecutable(deploymentId) {
      removed.push(deploymentId);
    },
    async execute(options) {
      executed.push(options);
      return actOut(options);
    },
  };
}

function actOut(options: ExecuteOptions): ExecutionOutcome {
  const body = (options.request.body ?? {}) as Record<string, unknown>;
  const base = {
    response: null,
    error: null,
    exitCode: 0,
    signal: null,
    timedOut: false,
    oomKilled: false,
    durationMs: typeof body.ms === 'number' ? body.ms : 5,
    peakMemoryBytes: 1024,
    logs: [
      {
        timestamp: Date.now(),
        stream: 'stdout' as const,
        level: 'info' as const,
        message: `ran ${String(body.action ?? 'echo')}`,
      },
    ],
    logsTruncated: false,
    limits: LIMITS,
  };
  const json = (value: unknown, statusCode = 200, headers: Record<string, string> = {}) => ({
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: new TextEncoder().encode(JSON.stringify(value)),
  });

  switch (body.action) {
    case 'busy':
      throw new TooManyRequestsError('Function already runs 10 executions; retry shortly', 2);
    case 'sleep':
      return {
        ...base,
        status: 'timeout',
        timedOut: true,
        exitCode: null,
        signal: 'SIGKILL',
        error: 'The function ran past its timeout of 30 s',
      };
    case 'throw':
      return { ...base, status: 'error', error: `The handler threw: ${String(body.message)}` };
    case 'exit':
      return {
        ...base,
        status: 'crashed',
        exitCode: Number(body.code),
        error: `The program exited with code ${String(body.code)}`,
      };
    case 'env':
      return { ...base, status: 'success', response: json({ env: options.env }) };
    case 'respond': {
      const text = typeof body.body === 'string' ? body.body : JSON.stringify(body.body);
      return {
        ...base,
        status: 'success',
        response: {
          statusCode: Number(body.status ?? 200),
          headers: (body.headers ?? {}) as Record<string, string>,
          body: new TextEncoder().encode(text),
        },
      };
    }
    case 'crash-server':
      throw new Error('secret internal detail');
    default:
      return {
        ...base,
        status: 'success',
        response: json({
          echo: options.request.body,
          method: options.request.method,
          path: options.request.path,
          query: options.request.query,
        }),
      };
  }
}

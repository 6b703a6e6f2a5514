import { beforeAll, describe, expect, test } from 'bun:test';
import { accessSync, chmodSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildFailedError, InvalidFunctionError } from '../../src/core/errors.ts';
import { buildFunction } from '../../src/runtime/build.ts';
import { type DartSdk, resolveDartSdk } from '../../src/runtime/dart-sdk.ts';
import {
  copyToTemp,
  createTempDir,
  fixturePath,
  testDartSetting,
  toolchainTestEnv,
  useRealDart,
  writeFiles,
} from '../fixtures/dart-standin/toolchain.ts';

const BUILD_TIMEOUT_MS = useRealDart ? 300_000 : 30_000;
let sdk: DartSdk;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  sdk = await resolveDartSdk({ configured: testDartSetting });
  env = toolchainTestEnv();
});

async function buildFailure(promise: Promise<unknown>): Promise<BuildFailedError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BuildFailedError);
    return error as BuildFailedError;
  }
  throw new Error('Expected a BuildFailedError');
}

/** A `dart` that runs `script` (sh) for every command, to act out a misbehaving toolchain. */
function fakeSdk(script: string): DartSdk {
  const executable = join(createTempDir(), 'dart');
  writeFileSync(executable, `#!/bin/sh\n${script}\n`);
  chmodSync(executable, 0o755);
  return { executable, version: '3.10.4', versionLine: 'Dart SDK version: 3.10.4' };
}

/** True while `pid` runs (a zombie that nobody reaped has ended). */
function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs a compiled handler program for one request and returns its frames. */
async function invokeOnce(executable: string, body: unknown): Promise<Record<string, unknown>[]> {
  const token = 'f'.repeat(32);
  const child = Bun.spawn([executable], {
    cwd: createTempDir(),
    env: {
      DART_CLOUD_PROTOCOL: '1',
      DART_CLOUD_FRAME: token,
      PATH: '/usr/local/bin:/usr/bin:/bin',
    },
    stdin: 'pipe',
    stdout: 'pipe',
  });
  const request = {
    type: 'request',
    id: 'exec-1',
    method: 'POST',
    path: '/',
    headers: {},
    query: {},
    body,
  };
  child.stdin.write(`${JSON.stringify(request)}\n`);
  await child.stdin.end();
  const stdout = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  const prefix = `\u001e${token} `;
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => JSON.parse(line.slice(prefix.length)) as Record<string, unknown>);
}

describe('buildFunction', () => {
  test(
    'builds the handler twin into an executable that answers a request',
    async () => {
      const sourceDir = copyToTemp(fixturePath('test_function'));
      const outputFile = join(createTempDir(), 'out', 'function');
      const result = await buildFunction({
        sdk,
        sourceDir,
        outputFile,
        env,
        timeoutMs: BUILD_TIMEOUT_MS,
      });

      expect(result.contract).toBe('handler');
      expect(result.executable).toBe(outputFile);
      accessSync(outputFile, constants.X_OK);
      expect(result.log).toContain('$ dart pub get');
      expect(result.log).toContain('$ dart compile exe bin/dart_cloud_main.dart -o ');
      expect(result.log).toContain(`Generated: ${outputFile}`);
      expect(readFileSync(join(sourceDir, 'bin/dart_cloud_main.dart'), 'utf8')).toContain(
        "import 'package:test_function/test_function.dart' as function_library;",
      );

      const frames = await invokeOnce(outputFile, { action: 'echo', hello: 'world' });
      const response = frames.find((frame) => frame.type === 'response');
      expect(response).toMatchObject({ id: 'exec-1', statusCode: 200, encoding: 'utf8' });
      expect(JSON.parse(String(response?.body))).toMatchObject({
        echo: { hello: 'world' },
        method: 'POST',
      });
    },
    BUILD_TIMEOUT_MS,
  );

  test(
    'builds the script twin from bin/main.dart',
    async () => {
      const sourceDir = copyToTemp(fixturePath('test_script'));
      const outputFile = join(createTempDir(), 'script');
      const result = await buildFunction({
        sdk,
        sourceDir,
        outputFile,
        env,
        timeoutMs: BUILD_TIMEOUT_MS,
      });
      expect(result.contract).toBe('script');
      expect(result.log).toContain('$ dart compile exe bin/main.dart -o ');
      expect(existsSync(join(sourceDir, 'bin/dart_cloud_main.dart'))).toBe(false);
      accessSync(outputFile, constants.X_OK);
    },
    BUILD_TIMEOUT_MS,
  );

  test(
    'fails with the compiler error lines when the source does not compile',
    async () => {
      const sourceDir = copyToTemp(fixturePath('test_script'));
      writeFileSync(join(sourceDir, 'bin/main.dart'), 'void main() {}\n#compile-error\n');
      const error = await buildFailure(
        buildFunction({
          sdk,
          sourceDir,
          outputFile: join(createTempDir(), 'x'),
          env,
          timeoutMs: BUILD_TIMEOUT_MS,
        }),
      );
      expect(error.code).toBe('E_BUILD_FAILED');
      expect(error.message).toMatch(/^dart compile exe failed \(exit \d+\):\n/);
      expect(error.message).toMatch(/bin\/main\.dart:2:1: Error: /);
      expect(error.log).toContain('Got dependencies!');
    },
    BUILD_TIMEOUT_MS,
  );

  test(
    'fails in pub get when a dependency does not exist',
    async () => {
      const sourceDir = copyToTemp(fixturePath('test_script'));
      const pubspec = readFileSync(join(sourceDir, 'pubspec.yaml'), 'utf8');
      writeFileSync(
        join(sourceDir, 'pubspec.yaml'),
        `${pubspec}\ndependencies:\n  dart_standin_missing: any\n`,
      );
      const error = await buildFailure(
        buildFunction({
          sdk,
          sourceDir,
          outputFile: join(createTempDir(), 'x'),
          env,
          timeoutMs: BUILD_TIMEOUT_MS,
        }),
      );
      expect(error.message).toContain('dart pub get failed (exit 69)');
      expect(error.message).toContain('version solving failed');
      expect(error.log).not.toContain('$ dart compile exe');
    },
    BUILD_TIMEOUT_MS,
  );

  test('rejects a package that breaks its contract before running the toolchain', async () => {
    const sourceDir = writeFiles(createTempDir(), { 'pubspec.yaml': 'name: empty\n' });
    const never = fakeSdk('echo ran >> "$0.calls"; exit 1');
    await expect(
      buildFunction({ sdk: never, sourceDir, outputFile: join(createTempDir(), 'x') }),
    ).rejects.toBeInstanceOf(InvalidFunctionError);
    expect(existsSync(`${never.executable}.calls`)).toBe(false);
  });

  test('kills the whole toolchain process group when the build times out', async () => {
    const sourceDir = copyToTemp(fixturePath('test_script'));
    const pidFile = join(createTempDir(), 'grandchild.pid');
    const slow = fakeSdk(`sleep 30 & echo $! > ${pidFile}; wait`);
    const started = Date.now();
    const error = await buildFailure(
      buildFunction({
        sdk: slow,
        sourceDir,
        outputFile: join(createTempDir(), 'x'),
        timeoutMs: 500,
      }),
    );
    expect(error.message).toBe('The build timed out after 0.5 s, during dart pub get');
    expect(Date.now() - started).toBeLessThan(5_000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(isRunning(grandchild)).toBe(false);
  });

  test('stops when its signal is aborted', async () => {
    const sourceDir = copyToTemp(fixturePath('test_script'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await buildFailure(
      buildFunction({
        sdk: fakeSdk('sleep 30'),
        sourceDir,
        outputFile: join(createTempDir(), 'x'),
        signal: controller.signal,
      }),
    );
    expect(error.message).toBe('The build was cancelled during dart pub get');
  });

  test('keeps the build log bounded when the toolchain floods its output', async () => {
    const sourceDir = copyToTemp(fixturePath('test_script'));
    const noisy = fakeSdk(
      'yes "a line of build output that repeats" | head -c 3000000; echo "Error: last words" >&2; exit 1',
    );
    const error = await buildFailure(
      buildFunction({ sdk: noisy, sourceDir, outputFile: join(createTempDir(), 'x') }),
    );
    expect(error.log.length).toBeLessThan(400_000);
    expect(error.log).toContain('characters of build output left out');
    expect(error.log).toContain('Error: last words');
    expect(error.message).toContain('dart pub get failed (exit 1)');
  });

  test('says so when compile exe succeeds without writing the executable', async () => {
    const sourceDir = copyToTemp(fixturePath('test_script'));
    const error = await buildFailure(
      buildFunction({ sdk: fakeSdk('exit 0'), sourceDir, outputFile: join(createTempDir(), 'x') }),
    );
    expect(error.message).toBe('dart compile exe succeeded but wrote no executable');
  });
});

describe('the Dart toolchain the tests use', () => {
  async function run(args: string[], cwd: string): Promise<{ code: number; output: string }> {
    const child = Bun.spawn([sdk.executable, ...args], {
      cwd,
      env,
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [stdout, stderr] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    return { code: await child.exited, output: stdout + stderr };
  }

  test('exits 66 from pub get without a pubspec.yaml, as the real CLI does', async () => {
    const dir = createTempDir();
    const result = await run(['pub', 'get'], dir);
    expect(result.code).toBe(66);
    expect(result.output).toContain('Could not find a file named "pubspec.yaml" in "');
  });

  test('exits 65 from pub get when pubspec.yaml has no name', async () => {
    const dir = writeFiles(createTempDir(), { 'pubspec.yaml': 'version: 1.0.0\n' });
    const result = await run(['pub', 'get'], dir);
    expect(result.code).toBe(65);
    expect(result.output).toContain('Missing the required "name" field.');
  });

  test('exits 255 from compile exe when the entry file does not exist', async () => {
    const dir = writeFiles(createTempDir(), { 'pubspec.yaml': 'name: x\n' });
    const result = await run(['compile', 'exe', 'bin/nope.dart', '-o', 'out'], dir);
    expect(result.code).toBe(255);
    expect(result.output).toContain('"bin/nope.dart" file not found.');
  });
});

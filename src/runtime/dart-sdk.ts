/** Finds the Dart SDK the platform builds functions with: `--dart`, `DART_CLOUD_DART`, or PATH. */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DartSdkNotFoundError } from '../core/errors.ts';

/** A `dart` executable that answered `dart --version`. */
export interface DartSdk {
  /** Absolute path of the `dart` executable. */
  executable: string;
  /** The SDK version, such as `3.10.4`. */
  version: string;
  /** The whole `dart --version` line: `Dart SDK version: 3.10.4 (stable) (...) on "linux_x64"`. */
  versionLine: string;
}

/** Where to look for Dart: an explicit setting first, then the environment. */
export interface ResolveDartSdkOptions {
  /** The `--dart` setting: a `dart` executable or an SDK directory. */
  configured?: string;
  /** The environment to read `DART_CLOUD_DART` and `PATH` from; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** How long `dart --version` may take; defaults to 15 s. */
  timeoutMs?: number;
}

const INSTALL_HINT =
  'Install the Dart SDK (https://dart.dev/get-dart), then put `dart` on PATH or point ' +
  'dart_cloud at it with --dart /path/to/dart-sdk/bin/dart or DART_CLOUD_DART.';

/** Resolves the `dart` executable and checks it with `dart --version`. */
export async function resolveDartSdk(options: ResolveDartSdkOptions = {}): Promise<DartSdk> {
  const env = options.env ?? process.env;
  const setting = options.configured ?? env.DART_CLOUD_DART;
  const source = options.configured !== undefined ? '--dart' : 'DART_CLOUD_DART';

  let executable: string;
  if (setting !== undefined && setting.trim() !== '') {
    const found = findConfiguredDart(setting.trim());
    if (found === null) {
      throw new DartSdkNotFoundError(
        `Expected ${source} to point at a Dart SDK's dart executable (or the SDK directory), ` +
          `got '${setting}', which is not an executable file. ${INSTALL_HINT}`,
      );
    }
    executable = found;
  } else {
    const found = Bun.which('dart', { PATH: env.PATH ?? '' });
    if (found === null) {
      throw new DartSdkNotFoundError(`No Dart SDK found: dart is not on PATH. ${INSTALL_HINT}`);
    }
    executable = resolve(found);
  }

  const { version, versionLine } = await readVersion(executable, options.timeoutMs ?? 15_000);
  return { executable, version, versionLine };
}

/**
 * Parses the output of `dart --version`, for example
 * `Dart SDK version: 3.10.4 (stable) (Tue Dec 9 ...) on "linux_x64"`; null when it is not one.
 */
export function parseDartVersion(output: string): string | null {
  const match = /Dart (?:SDK|VM) version: (\d+\.\d+\.\d+\S*)/.exec(output);
  return match?.[1] ?? null;
}

function findConfiguredDart(setting: string): string | null {
  const path = isAbsolute(setting) ? setting : resolve(setting);
  const candidates = isDirectory(path) ? [join(path, 'bin', 'dart'), join(path, 'dart')] : [path];
  return candidates.find(isExecutableFile) ?? null;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

async function readVersion(
  executable: string,
  timeoutMs: number,
): Promise<{ version: string; versionLine: string }> {
  let output: string;
  let exitCode: number | null;
  try {
    const child = Bun.spawn([executable, '--version'], {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    // Dart 2.15+ prints the version on stdout; older SDKs printed it on stderr.
    const [stdout, stderr] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    exitCode = await child.exited;
    output = `${stdout}\n${stderr}`.trim();
  } catch (error) {
    throw new DartSdkNotFoundError(
      `Could not run '${executable} --version': ${(error as Error).message}. ${INSTALL_HINT}`,
    );
  }

  const version = parseDartVersion(output);
  const versionLine = output.split('\n').find((line) => /Dart (SDK|VM) version:/.test(line));
  if (exitCode !== 0 || version === null || versionLine === undefined) {
    const shown = output === '' ? 'nothing' : `'${output.split('\n')[0]}'`;
    throw new DartSdkNotFoundError(
      `Expected '${executable} --version' to print 'Dart SDK version: x.y.z ...', got ${shown} ` +
        `(exit ${exitCode ?? 'killed'}). ${INSTALL_HINT}`,
    );
  }
  return { version, versionLine: versionLine.trim() };
}

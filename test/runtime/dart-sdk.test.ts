import { describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DartSdkNotFoundError } from '../../src/core/errors.ts';
import { parseDartVersion, resolveDartSdk } from '../../src/runtime/dart-sdk.ts';
import {
  createTempDir,
  STANDIN_DART,
  testDartSetting,
  useRealDart,
} from '../fixtures/dart-standin/toolchain.ts';

const SASS_DART_VM = join(
  import.meta.dir,
  '../../node_modules/sass-embedded-linux-x64/dart-sass/src/dart',
);

async function rejection(promise: Promise<unknown>): Promise<DartSdkNotFoundError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DartSdkNotFoundError);
    return error as DartSdkNotFoundError;
  }
  throw new Error('Expected a DartSdkNotFoundError');
}

describe('resolveDartSdk', () => {
  test('reads the version of the configured dart executable', async () => {
    const sdk = await resolveDartSdk({ configured: testDartSetting });
    expect(sdk.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(sdk.executable.startsWith('/')).toBe(true);
    if (!useRealDart) {
      expect(sdk).toEqual({
        executable: STANDIN_DART,
        version: '3.10.4',
        versionLine: expect.stringContaining('dart_cloud test stand-in, not a real SDK'),
      });
    }
  });

  test('accepts an SDK directory and finds bin/dart in it', async () => {
    const sdk = await resolveDartSdk({ configured: dirname(dirname(STANDIN_DART)) });
    expect(sdk.executable).toBe(STANDIN_DART);
  });

  test('reads DART_CLOUD_DART when no --dart is given', async () => {
    const sdk = await resolveDartSdk({ env: { DART_CLOUD_DART: STANDIN_DART, PATH: '' } });
    expect(sdk.executable).toBe(STANDIN_DART);
  });

  test('finds dart on PATH when nothing is configured', async () => {
    const sdk = await resolveDartSdk({ env: { PATH: `/nonexistent:${dirname(STANDIN_DART)}` } });
    expect(sdk.executable).toBe(STANDIN_DART);
  });

  test('explains how to install Dart when none is on PATH', async () => {
    const error = await rejection(resolveDartSdk({ env: { PATH: '/nonexistent' } }));
    expect(error.code).toBe('E_DART_NOT_FOUND');
    expect(error.message).toContain('https://dart.dev/get-dart');
    expect(error.message).toContain('--dart');
    expect(error.message).toContain('DART_CLOUD_DART');
  });

  test('rejects a configured path that does not exist, naming it', async () => {
    const error = await rejection(resolveDartSdk({ configured: '/nonexistent/dart', env: {} }));
    expect(error.message).toContain("--dart to point at a Dart SDK's dart executable");
    expect(error.message).toContain("'/nonexistent/dart'");
  });

  test('names DART_CLOUD_DART when that setting is wrong', async () => {
    const error = await rejection(resolveDartSdk({ env: { DART_CLOUD_DART: '/nope/dart' } }));
    expect(error.message).toContain("DART_CLOUD_DART to point at a Dart SDK's dart executable");
  });

  test('rejects an executable that does not answer like dart --version', async () => {
    const fake = join(createTempDir(), 'dart');
    writeFileSync(fake, '#!/bin/sh\necho "hello from not-dart"\n');
    chmodSync(fake, 0o755);
    const error = await rejection(resolveDartSdk({ configured: fake }));
    expect(error.message).toContain("Expected '");
    expect(error.message).toContain("got 'hello from not-dart'");
  });

  test('rejects an executable that fails', async () => {
    const fake = join(createTempDir(), 'dart');
    writeFileSync(fake, '#!/bin/sh\nexit 3\n');
    chmodSync(fake, 0o755);
    const error = await rejection(resolveDartSdk({ configured: fake }));
    expect(error.message).toContain('got nothing (exit 3)');
  });
});

describe('parseDartVersion', () => {
  test('reads stable, dev and old VM version lines', () => {
    expect(
      parseDartVersion(
        'Dart SDK version: 3.10.4 (stable) (Tue Dec 9 00:01:55 2025 -0800) on "linux_x64"',
      ),
    ).toBe('3.10.4');
    expect(parseDartVersion('Dart SDK version: 3.11.0-93.0.dev (dev) (...) on "linux_arm64"')).toBe(
      '3.11.0-93.0.dev',
    );
    expect(
      parseDartVersion('Dart VM version: 2.3.1 (Tue May 21 19:28:38 2019 +0200) on "macos_x64"'),
    ).toBe('2.3.1');
  });

  test('returns null for other output', () => {
    expect(parseDartVersion('')).toBeNull();
    expect(parseDartVersion('node v20.0.0')).toBeNull();
  });

  test.skipIf(!existsSync(SASS_DART_VM))(
    'reads the version line of the real Dart VM shipped with sass',
    async () => {
      const child = Bun.spawn([SASS_DART_VM, '--version'], { stdout: 'pipe', stderr: 'pipe' });
      const output = await new Response(child.stdout).text();
      await child.exited;
      expect(parseDartVersion(output)).toMatch(/^3\.\d+\.\d+/);
    },
  );
});

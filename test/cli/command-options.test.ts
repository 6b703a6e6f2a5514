import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeployOptions } from '../../src/cli/commands/deploy.ts';
import { parseInvokeData, renderResult } from '../../src/cli/commands/invoke.ts';
import { parseServeOptions, resolveDataDir } from '../../src/cli/commands/serve.ts';
import { ValidationError } from '../../src/core/errors.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dart-cloud-options-'));
  writeFileSync(join(dir, 'body.json'), '{"from":"file"}');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serve options', () => {
  test('the data directory comes from --data-dir, DART_CLOUD_DATA_DIR, XDG_DATA_HOME, then ~/.local/share', () => {
    expect(resolveDataDir({ flag: '/flag', env: { DART_CLOUD_DATA_DIR: '/env' } })).toBe('/flag');
    expect(resolveDataDir({ env: { DART_CLOUD_DATA_DIR: '/env', XDG_DATA_HOME: '/xdg' } })).toBe(
      '/env',
    );
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' } })).toBe('/xdg/dart_cloud');
    expect(resolveDataDir({ env: { HOME: '/home/ada' } })).toBe(
      '/home/ada/.local/share/dart_cloud',
    );
  });

  test('defaults give loopback, port 8080 and closed sign-up; DART_CLOUD_DART names the SDK', () => {
    const options = parseServeOptions({
      args: { host: '127.0.0.1', port: '8080' },
      env: { HOME: '/home/ada', DART_CLOUD_DART: '/opt/dart/bin/dart' },
    });
    expect(options).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: '/home/ada/.local/share/dart_cloud',
      allowSignup: false,
      dartPath: '/opt/dart/bin/dart',
    });
  });

  test('--dart, --run-as, --max-concurrency and --allow-signup pass through, checked', () => {
    const options = parseServeOptions({
      args: {
        host: '0.0.0.0',
        port: '0',
        'data-dir': '/data',
        'allow-signup': true,
        dart: '/usr/lib/dart/bin/dart',
        'run-as': 'nobody',
        'max-concurrency': '4',
      },
      env: {},
    });
    expect(options).toMatchObject({
      port: 0,
      allowSignup: true,
      runAsUser: 'nobody',
      maxConcurrentPerFunction: 4,
    });
    expect(() =>
      parseServeOptions({ args: { host: 'h', port: '1', 'max-concurrency': 'lots' }, env: {} }),
    ).toThrow("Expected --max-concurrency to be a positive whole number, got 'lots'");
  });
});

describe('deploy options', () => {
  test('name defaults to the directory name; memory and timeout are converted to MB and seconds', () => {
    const options = parseDeployOptions({
      args: { path: dir, memory: '1GB', timeout: '2m' },
      rawArgs: [dir, '--env', 'A=1', '--env=B=two=2'],
    });
    expect(options).toMatchObject({ dir, memory: 1024, timeout: 120, env: { A: '1', B: 'two=2' } });
    expect(options.name).toStartWith('dart-cloud-options-');
  });

  test('a path that is a file is refused', () => {
    expect(() =>
      parseDeployOptions({
        args: { path: join(dir, 'body.json'), memory: '512', timeout: '30' },
        rawArgs: [],
      }),
    ).toThrow('(a file)');
  });
});

describe('invoke data', () => {
  test('--data takes JSON text or @file', () => {
    expect(parseInvokeData('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(parseInvokeData(`@${join(dir, 'body.json')}`)).toEqual({ from: 'file' });
    expect(parseInvokeData(undefined)).toBeUndefined();
  });

  test('--data that is not JSON, or a missing file, is refused', () => {
    expect(() => parseInvokeData('{a:1}')).toThrow(
      `Expected --data to be JSON such as '{"name":"Ada"}', got '{a:1}'`,
    );
    expect(() => parseInvokeData('@/no/such/file')).toThrow(ValidationError);
  });

  test('a text result prints as is, anything else as JSON', () => {
    expect(renderResult('hello')).toBe('hello');
    expect(renderResult({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
});

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DEFAULT_SERVER,
  forgetLogin,
  normalizeServerUrl,
  readCredentials,
  resolveCredentialsPath,
  saveLogin,
} from '../../src/cli/credentials.ts';
import { resolveSession } from '../../src/cli/session.ts';

let home: string;
let path: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dart-cloud-credentials-'));
  path = resolveCredentialsPath({ XDG_CONFIG_HOME: join(home, 'config') });
});

afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('credentials file', () => {
  test('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(resolveCredentialsPath({ XDG_CONFIG_HOME: '/x' })).toBe(
      '/x/dart_cloud/credentials.json',
    );
    expect(resolveCredentialsPath({ HOME: '/home/ada' })).toBe(
      '/home/ada/.config/dart_cloud/credentials.json',
    );
  });

  test('is written readable by the owner only, in a directory only the owner can enter', () => {
    saveLogin({ path, server: 'http://127.0.0.1:9000', token: 't1', email: 'ada@example.com' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });

  test('keeps one token per server and makes the last sign-in the default', () => {
    saveLogin({ path, server: 'http://a:1', token: 'ta', email: 'a@example.com' });
    saveLogin({ path, server: 'http://b:2', token: 'tb', email: 'b@example.com' });
    const credentials = readCredentials({ path });
    expect(credentials.defaultServer).toBe('http://b:2');
    expect(credentials.servers['http://a:1']?.token).toBe('ta');
    expect(credentials.servers['http://b:2']?.token).toBe('tb');
  });

  test('forgetting the last sign-in removes the file', () => {
    saveLogin({ path, server: 'http://a:1', token: 'ta', email: 'a@example.com' });
    expect(forgetLogin({ path, server: 'http://a:1' })).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  test('a corrupt file is reported with its path and what to do', () => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{not json');
    expect(() => readCredentials({ path })).toThrow(`Expected ${path} to hold JSON`);
  });
});

describe('normalizeServerUrl', () => {
  test('adds http:// to a bare host and drops trailing slashes', () => {
    expect(normalizeServerUrl('127.0.0.1:9000')).toBe('http://127.0.0.1:9000');
    expect(normalizeServerUrl('https://cloud.example.com/')).toBe('https://cloud.example.com');
    expect(normalizeServerUrl('https://example.com/dart/')).toBe('https://example.com/dart');
  });

  test('refuses other schemes', () => {
    expect(() => normalizeServerUrl('ftp://example.com')).toThrow(
      'Expected --server to use http or https',
    );
  });
});

describe('resolveSession', () => {
  test('prefers --server, then DART_CLOUD_SERVER, then the saved default, then the built-in', () => {
    const env = { XDG_CONFIG_HOME: join(home, 'config') };
    expect(resolveSession({ env }).server).toBe(DEFAULT_SERVER);

    saveLogin({ path, server: 'http://saved:1', token: 'ts', email: 'a@example.com' });
    expect(resolveSession({ env }).server).toBe('http://saved:1');
    expect(resolveSession({ env: { ...env, DART_CLOUD_SERVER: 'http://env:2' } }).server).toBe(
      'http://env:2',
    );
    expect(
      resolveSession({ server: 'flag:3', env: { ...env, DART_CLOUD_SERVER: 'http://env:2' } })
        .server,
    ).toBe('http://flag:3');
  });

  test('sends a saved token only to the server it was saved for; DART_CLOUD_TOKEN overrides', () => {
    const env = { XDG_CONFIG_HOME: join(home, 'config') };
    saveLogin({ path, server: 'http://saved:1', token: 'ts', email: 'a@example.com' });
    expect(resolveSession({ env }).token).toBe('ts');
    expect(resolveSession({ server: 'http://other:1', env }).token).toBeNull();
    expect(
      resolveSession({ server: 'http://other:1', env: { ...env, DART_CLOUD_TOKEN: 'te' } }).token,
    ).toBe('te');
  });

  test('reads the file it wrote', () => {
    saveLogin({ path, server: 'http://saved:1', token: 'ts', email: 'a@example.com' });
    expect(JSON.parse(readFileSync(path, 'utf8')).servers['http://saved:1'].email).toBe(
      'a@example.com',
    );
  });
});

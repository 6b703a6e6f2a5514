/**
 * The CLI's saved sign-ins: one token per server, and which server the CLI talks to when none
 * is named. Kept in `$XDG_CONFIG_HOME/dart_cloud/credentials.json`, readable by the owner only.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { ui } from './output.ts';

/** One server's saved sign-in. */
export interface SavedLogin {
  token: string;
  email: string;
  savedAt: string;
}

/** The credentials file's content. */
export interface Credentials {
  /** The server used when neither `--server` nor `DART_CLOUD_SERVER` names one. */
  defaultServer: string | null;
  servers: Record<string, SavedLogin>;
}

/** The address tried when nothing else names a server. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** `$XDG_CONFIG_HOME/dart_cloud/credentials.json`, else `~/.config/dart_cloud/credentials.json`. */
export function resolveCredentialsPath(
  env: Record<string, string | undefined> = process.env,
): string {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(configHome, 'dart_cloud', 'credentials.json');
}

/**
 * Reads the credentials file; a missing file means no sign-ins. A file that is not JSON throws,
 * unless `replaceCorrupt` (login and register, which overwrite it): then it reads as empty.
 */
export function readCredentials(options: { path: string; replaceCorrupt?: boolean }): Credentials {
  if (!existsSync(options.path)) return { defaultServer: null, servers: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(options.path, 'utf8'));
  } catch (error) {
    if (options.replaceCorrupt) return { defaultServer: null, servers: {} };
    throw new ValidationError(
      `Expected ${options.path} to hold JSON; run \`dart_cloud login\` to replace it`,
      { cause: error },
    );
  }
  const record =
    typeof parsed === 'object' && parsed !== null ? (parsed as Partial<Credentials>) : {};
  return {
    defaultServer: typeof record.defaultServer === 'string' ? record.defaultServer : null,
    servers: typeof record.servers === 'object' && record.servers !== null ? record.servers : {},
  };
}

/** Whether the credentials file exists but is not JSON. */
export function isCredentialsFileCorrupt(path: string): boolean {
  try {
    readCredentials({ path });
    return false;
  } catch {
    return true;
  }
}

/** Writes the credentials file atomically, mode 0600 in a directory of mode 0700. */
export function writeCredentials(options: { path: string; credentials: Credentials }): void {
  const dir = dirname(options.path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);

  const temporary = `${options.path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(options.credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, options.path);
}

/** Saves a token for a server and makes that server the default. */
export function saveLogin(options: {
  path: string;
  server: string;
  token: string;
  email: string;
}): void {
  if (isCredentialsFileCorrupt(options.path)) {
    ui.warn(`${options.path} did not hold JSON; replacing it (other saved sign-ins are lost)`);
  }
  const credentials = readCredentials({ path: options.path, replaceCorrupt: true });
  credentials.servers[options.server] = {
    token: options.token,
    email: options.email,
    savedAt: new Date().toISOString(),
  };
  credentials.defaultServer = options.server;
  writeCredentials({ path: options.path, credentials });
}

/** Forgets a server's token; removes the file when no sign-in is left. */
export function forgetLogin(options: { path: string; server: string }): boolean {
  const credentials = readCredentials({ path: options.path });
  const existed = options.server in credentials.servers;
  delete credentials.servers[options.server];
  if (Object.keys(credentials.servers).length === 0) {
    rmSync(options.path, { force: true });
    return existed;
  }
  if (credentials.defaultServer === options.server) credentials.defaultServer = null;
  writeCredentials({ path: options.path, credentials });
  return existed;
}

/**
 * The server address in canonical form (`http://host:port`, no trailing slash); a bare
 * `host:port` gets `http://`.
 */
export function normalizeServerUrl(value: string): string {
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ValidationError(
      `Expected --server to be an address such as http://127.0.0.1:8080, got '${value}'`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`Expected --server to use http or https, got '${value}'`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

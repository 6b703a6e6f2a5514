/** The server's options, checked once at start-up; the rest of the server trusts the result. */
import { isAbsolute, resolve } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { describeValue } from '../functions/validate.ts';
import { resolveCredentials } from '../runtime/sandbox/host.ts';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limit.ts';

/** What `startServer` accepts. */
export interface ServerOptions {
  host: string;
  /** 0 picks any free port. */
  port: number;
  dataDir: string;
  allowSignup: boolean;
  /** The `--dart` setting: a `dart` executable or an SDK directory. */
  dartPath?: string;
  /** The unprivileged user functions run as when the server runs as root (default `nobody`). */
  runAsUser?: string | null;
  maxConcurrentPerFunction?: number;
  /** Requests a minute per account, key or client address (default 60; 0 turns it off). */
  rateLimitPerMinute?: number;
  /** Requests an hour per account, key or client address (default 1000; 0 turns it off). */
  rateLimitPerHour?: number;
  /** Whether a reverse proxy's `X-Forwarded-For` names the client (default false). */
  trustProxy?: boolean;
}

/** The checked options. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Absolute. */
  dataDir: string;
  allowSignup: boolean;
  dartPath: string | undefined;
  /** Null only when asked for: then functions run as the server's own user, root included. */
  runAsUser: string | null;
  maxConcurrentPerFunction: number;
  rateLimits: RateLimits;
  trustProxy: boolean;
}

const HOST = /^[A-Za-z0-9.:\-[\]]+$/;

/** Checks the options; throws a ValidationError that names the option and what came. */
export function validateServerOptions(options: ServerOptions): ServerConfig {
  if (typeof options.host !== 'string' || !HOST.test(options.host)) {
    throw new ValidationError(
      `Expected --host to be a hostname or IP address such as 127.0.0.1, got ${describeValue(options.host)}`,
    );
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new ValidationError(
      `Expected --port to be an integer from 0 to 65535, got ${describeValue(options.port)}`,
    );
  }
  if (typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
    throw new ValidationError(
      `Expected --data-dir to be a directory path, got ${describeValue(options.dataDir)}`,
    );
  }
  // A mistyped --run-as must not quietly leave functions running as root.
  const runAsUser = options.runAsUser;
  if (typeof runAsUser === 'string' && isRoot() && resolveCredentials(runAsUser) === null) {
    throw new ValidationError(
      `Expected --run-as to name a user of this host (in /etc/passwd), got '${runAsUser}'`,
    );
  }
  const concurrency = options.maxConcurrentPerFunction ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new ValidationError(
      `Expected the concurrency limit per function to be an integer from 1 to 1000, got ${describeValue(concurrency)}`,
    );
  }
  if (
    options.dartPath !== undefined &&
    (typeof options.dartPath !== 'string' || options.dartPath.trim() === '')
  ) {
    throw new ValidationError(
      `Expected --dart to be the path of a dart executable, got ${describeValue(options.dartPath)}`,
    );
  }
  const rateLimits = {
    perMinute: validateRateLimit('--rate-limit-minute', options.rateLimitPerMinute, 'perMinute'),
    perHour: validateRateLimit('--rate-limit-hour', options.rateLimitPerHour, 'perHour'),
  };

  return {
    host: options.host,
    port: options.port,
    dataDir: isAbsolute(options.dataDir) ? options.dataDir : resolve(options.dataDir),
    allowSignup: options.allowSignup === true,
    dartPath: options.dartPath,
    // A root server runs functions as an unprivileged user unless told otherwise.
    runAsUser: runAsUser === undefined ? 'nobody' : runAsUser,
    maxConcurrentPerFunction: concurrency,
    rateLimits,
    trustProxy: options.trustProxy === true,
  };
}

function validateRateLimit(
  option: string,
  value: number | undefined,
  window: keyof RateLimits,
): number {
  if (value === undefined) return DEFAULT_RATE_LIMITS[window];
  if (!Number.isInteger(value) || value < 0 || value > 1_000_000_000) {
    throw new ValidationError(
      `Expected ${option} to be a number of requests from 0 (no limit) to 1000000000, got ${describeValue(value)}`,
    );
  }
  return value;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** `dart_cloud serve`: the server, until SIGINT or SIGTERM. */
import { defineCommand } from 'citty';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import { startServer } from '../../server/start.ts';
import { parsePort, parsePositiveInt } from '../options.ts';
import { printLine, ui } from '../output.ts';

/** What `startServer` receives, parsed and checked once. */
export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  allowSignup: boolean;
  dartPath?: string;
  runAsUser?: string;
  maxConcurrentPerFunction?: number;
  rateLimitPerMinute?: number;
  rateLimitPerHour?: number;
  trustProxy?: boolean;
}

/** `--data-dir`, else `DART_CLOUD_DATA_DIR`, else `$XDG_DATA_HOME/dart_cloud`, else `~/.local/share/dart_cloud`. */
export function resolveDataDir(options: {
  flag?: string | undefined;
  env?: Record<string, string | undefined>;
}): string {
  const env = options.env ?? process.env;
  if (options.flag) return resolve(options.flag);
  if (env.DART_CLOUD_DATA_DIR) return resolve(env.DART_CLOUD_DATA_DIR);
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(dataHome, 'dart_cloud');
}

/** Checks the serve options; throws `ValidationError` on the first bad one. */
export function parseServeOptions(options: {
  args: {
    host: string;
    port: string;
    'data-dir'?: string | undefined;
    'allow-signup'?: boolean | undefined;
    dart?: string | undefined;
    'run-as'?: string | undefined;
    'max-concurrency'?: string | undefined;
    'rate-limit-minute'?: string | undefined;
    'rate-limit-hour'?: string | undefined;
    'trust-proxy'?: boolean | undefined;
  };
  env?: Record<string, string | undefined>;
}): ServeOptions {
  const { args } = options;
  const env = options.env ?? process.env;
  const dartPath = args.dart || env.DART_CLOUD_DART || undefined;
  const maxConcurrency = args['max-concurrency'];
  const perMinute = args['rate-limit-minute'];
  const perHour = args['rate-limit-hour'];
  return {
    host: args.host,
    port: parsePort({ option: '--port', value: args.port }),
    dataDir: resolveDataDir({ flag: args['data-dir'], env }),
    allowSignup: args['allow-signup'] === true,
    ...(dartPath === undefined ? {} : { dartPath: resolve(dartPath) }),
    ...(args['run-as'] ? { runAsUser: args['run-as'] } : {}),
    ...(maxConcurrency === undefined
      ? {}
      : {
          maxConcurrentPerFunction: parsePositiveInt({
            option: '--max-concurrency',
            value: maxConcurrency,
          }),
        }),
    ...(perMinute === undefined
      ? {}
      : { rateLimitPerMinute: parseRequestCount('--rate-limit-minute', perMinute) }),
    ...(perHour === undefined
      ? {}
      : { rateLimitPerHour: parseRequestCount('--rate-limit-hour', perHour) }),
    ...(args['trust-proxy'] === true ? { trustProxy: true } : {}),
  };
}

/** A number of requests per window; 0 turns the limit off. */
function parseRequestCount(option: string, value: string): number {
  if (!/^\d{1,10}$/.test(value.trim())) {
    throw new ValidationError(
      `Expected ${option} to be a number of requests such as 60 (0 for no limit), got '${value}'`,
    );
  }
  return Number(value.trim());
}

/** The `serve` command. */
export const serveCommand = defineCommand({
  meta: { name: 'serve', description: 'Run the server: REST API, builds and executions' },
  args: {
    host: { type: 'string', default: '127.0.0.1', description: 'Address to listen on' },
    port: {
      type: 'string',
      default: '8080',
      description: 'Port to listen on (0 picks a free one)',
    },
    'data-dir': {
      type: 'string',
      description:
        'Database, sources and builds (else $DART_CLOUD_DATA_DIR, else $XDG_DATA_HOME/dart_cloud)',
      valueHint: 'dir',
    },
    'allow-signup': {
      type: 'boolean',
      description: 'Let anyone register an account (the first account can always register)',
    },
    dart: {
      type: 'string',
      description: 'The dart executable (else $DART_CLOUD_DART, else PATH)',
      valueHint: 'path',
    },
    'run-as': {
      type: 'string',
      description: 'Unprivileged user that functions run as (when root; default nobody)',
      valueHint: 'user',
    },
    'max-concurrency': {
      type: 'string',
      description: 'Concurrent executions per function (default 10)',
      valueHint: 'n',
    },
    'rate-limit-minute': {
      type: 'string',
      description: 'Requests a minute per account, key or address (default 60; 0: no limit)',
      valueHint: 'n',
    },
    'rate-limit-hour': {
      type: 'string',
      description: 'Requests an hour per account, key or address (default 1000; 0: no limit)',
      valueHint: 'n',
    },
    'trust-proxy': {
      type: 'boolean',
      description:
        'Behind a reverse proxy: take the client address from X-Forwarded-For and function URLs from X-Forwarded-Host/-Proto',
    },
  },
  async run({ args }) {
    const options = parseServeOptions({ args });
    const server = await startServer(options);
    printLine(`dart_cloud listening on ${server.url}`);

    const signal = await waitForStopSignal();
    ui.info(`Received ${signal}, stopping`);
    await server.stop();
  },
});

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.on('SIGINT', () => process.exit(130));
      process.on('SIGTERM', () => process.exit(143));
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

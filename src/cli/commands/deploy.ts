/** `dart_cloud deploy <path>`: packs a Dart package, uploads it, and waits for its build. */
import { defineCommand } from 'citty';
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { packDirectory } from '../../archive/pack.ts';
import { ValidationError } from '../../core/errors.ts';
import {
  collectRepeated,
  parseChoice,
  parseEnvPairs,
  parseSize,
  parseTimeoutSeconds,
} from '../options.ts';
import { OUTPUT_FORMATS, printJson, printLine, ui } from '../output.ts';
import { renderKeyValues } from '../render-table.ts';
import { createSessionClient, serverArg } from '../session.ts';

/** The deploy options, checked. */
export interface DeployOptions {
  dir: string;
  name: string;
  env: Record<string, string>;
  /** Left out: a new function gets the server's default, a redeploy keeps its current value. */
  memory?: number;
  timeout?: number;
  /** False runs the function with no network; left out keeps it as it is (new ones have it). */
  network?: boolean;
}

/** Checks the deploy arguments; `--env` values come from the raw arguments (it repeats). */
export function parseDeployOptions(options: {
  args: {
    path: string;
    name?: string | undefined;
    memory?: string | undefined;
    timeout?: string | undefined;
    network?: boolean | undefined;
  };
  rawArgs: string[];
}): DeployOptions {
  const { args } = options;
  const dir = resolve(args.path);
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new ValidationError(
      `Expected <path> to be a directory with a pubspec.yaml, got '${args.path}' (not found)`,
    );
  }
  if (!isDirectory) {
    throw new ValidationError(
      `Expected <path> to be a directory with a pubspec.yaml, got '${args.path}' (a file)`,
    );
  }

  return {
    dir,
    name: args.name || basename(dir),
    env: parseEnvPairs({
      option: '--env',
      values: collectRepeated({ rawArgs: options.rawArgs, name: 'env' }),
    }),
    ...(args.memory === undefined
      ? {}
      : { memory: parseSize({ option: '--memory', value: args.memory }) }),
    ...(args.timeout === undefined
      ? {}
      : { timeout: parseTimeoutSeconds({ option: '--timeout', value: args.timeout }) }),
    ...(args.network === undefined ? {} : { network: args.network }),
  };
}

/** The `deploy` command. */
export const deployCommand = defineCommand({
  meta: { name: 'deploy', description: 'Deploy a new function or update an existing one' },
  args: {
    path: {
      type: 'positional',
      required: true,
      description: 'Directory of the Dart package',
      valueHint: 'path',
    },
    name: { type: 'string', description: 'Function name (default: the directory name)' },
    env: {
      type: 'string',
      description: 'Environment variable KEY=VALUE (repeatable)',
      valueHint: 'KEY=VALUE',
    },
    memory: {
      type: 'string',
      description:
        'Memory limit: 512, 512MB, 1GB (new functions: 512 MB; a redeploy keeps its own)',
    },
    timeout: {
      type: 'string',
      description: 'Execution timeout: 30, 30s, 2m (new functions: 30 s; a redeploy keeps its own)',
    },
    network: {
      type: 'boolean',
      description: 'Let the function use the network (new functions do; a redeploy keeps its own)',
      negativeDescription: 'Run the function with no network at all (kept until --network)',
    },
    format: { type: 'string', default: 'table', description: 'Output format: table or json' },
    ...serverArg,
  },
  async run({ args, rawArgs }) {
    const format = parseChoice({ option: '--format', value: args.format, choices: OUTPUT_FORMATS });
    const options = parseDeployOptions({ args, rawArgs });
    const { client } = createSessionClient({ server: args.server });

    const archive = await packDirectory({ dir: options.dir });
    ui.start(
      `Deploying ${options.name} (${formatBytes(archive.byteLength)}), building on the server`,
    );
    const deployed = await client.deploy({ ...options, archive });

    if (format === 'json') return printJson(deployed);
    ui.success(`Deployed ${deployed.name}`);
    printLine(
      renderKeyValues([
        ['id', deployed.id],
        ['name', deployed.name],
        ['status', deployed.status],
        ['version', deployed.version],
        ['url', deployed.url],
      ]),
    );
  },
});

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

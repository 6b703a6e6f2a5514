/** `dart_cloud env set|get|list|unset`: a function's environment variables. */
import { defineCommand } from 'citty';
import { parseChoice } from '../options.ts';
import { printJson, printLine, ui } from '../output.ts';
import { createSessionClient, serverArg } from '../session.ts';

const functionArg = {
  function: {
    type: 'positional',
    required: true,
    description: 'Function id or name',
    valueHint: 'function',
  },
} as const;

const keyArg = {
  key: { type: 'positional', required: true, description: 'Variable name', valueHint: 'key' },
} as const;

/** Renders variables as sorted `KEY=value` lines. */
export function renderEnv(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${env[key] ?? ''}`)
    .join('\n');
}

const setCommand = defineCommand({
  meta: { name: 'set', description: 'Set an environment variable for a function' },
  args: {
    ...functionArg,
    ...keyArg,
    value: { type: 'positional', required: true, description: 'Value', valueHint: 'value' },
    ...serverArg,
  },
  async run({ args }) {
    const { client } = createSessionClient({ server: args.server });
    const saved = await client.setEnv({ id: args.function, key: args.key, value: args.value });
    printLine(`Set ${saved.key} for ${args.function}`);
  },
});

const getCommand = defineCommand({
  meta: { name: 'get', description: 'Print an environment variable’s value' },
  args: { ...functionArg, ...keyArg, ...serverArg },
  async run({ args }) {
    const { client } = createSessionClient({ server: args.server });
    const variable = await client.getEnv({ id: args.function, key: args.key });
    printLine(variable.value);
  },
});

const listCommand = defineCommand({
  meta: { name: 'list', description: 'List a function’s environment variables' },
  args: {
    ...functionArg,
    format: { type: 'string', default: 'text', description: 'text (KEY=value lines) or json' },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({
      option: '--format',
      value: args.format,
      choices: ['text', 'json'],
    });
    const { client } = createSessionClient({ server: args.server });
    const { env } = await client.listEnv({ id: args.function });
    if (format === 'json') printJson(env);
    else if (Object.keys(env).length === 0)
      ui.info(`${args.function} has no environment variables`);
    else printLine(renderEnv(env));
  },
});

const unsetCommand = defineCommand({
  meta: { name: 'unset', description: 'Remove an environment variable from a function' },
  args: { ...functionArg, ...keyArg, ...serverArg },
  async run({ args }) {
    const { client } = createSessionClient({ server: args.server });
    await client.unsetEnv({ id: args.function, key: args.key });
    printLine(`Removed ${args.key} from ${args.function}`);
  },
});

/** The `env` command and its sub-commands. */
export const envCommand = defineCommand({
  meta: { name: 'env', description: 'Manage a function’s environment variables' },
  subCommands: { set: setCommand, get: getCommand, list: listCommand, unset: unsetCommand },
});

/** Runs the root command: `--help` and `--version`, then the command, then its exit code. */
import { renderUsage, runCommand, type CommandDef } from 'citty';
import { checkArgs } from './check-args.ts';
import { ExitCode } from './exit-codes.ts';
import { describeError, reportError } from './report-error.ts';

/**
 * Runs `command` with `rawArgs` and resolves to the exit code. Errors never escape: they are
 * reported once, on stderr, by `reportError`.
 */
export async function runCli(options: {
  command: CommandDef;
  rawArgs: string[];
  version: string;
}): Promise<number> {
  const { command, rawArgs } = options;
  const beforeSeparator = rawArgs.includes('--')
    ? rawArgs.slice(0, rawArgs.indexOf('--'))
    : rawArgs;

  if (beforeSeparator.some((arg) => arg === '--help' || arg === '-h') || rawArgs[0] === 'help') {
    const named = rawArgs[0] === 'help' ? rawArgs.slice(1) : rawArgs;
    await printUsage({
      path: await resolveCommandPath({ command, rawArgs: named }),
      stream: process.stdout,
    });
    return ExitCode.ok;
  }
  if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
    process.stdout.write(`${options.version}\n`);
    return ExitCode.ok;
  }
  if (rawArgs.length === 0) {
    await printUsage({ path: [command, undefined], stream: process.stderr });
    return ExitCode.usage;
  }

  try {
    await checkArgs({ command, rawArgs });
    await runCommand(command, { rawArgs });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (describeError(error).showUsage) {
      await printUsage({
        path: await resolveCommandPath({ command, rawArgs }),
        stream: process.stderr,
      });
    }
    return reportError(error);
  }
}

/** Writes a command's usage, in colour only on a terminal. */
async function printUsage(options: {
  path: [CommandDef, CommandDef | undefined];
  stream: NodeJS.WriteStream;
}): Promise<void> {
  const usage = await renderUsage(...options.path);
  const text = options.stream.isTTY ? usage : usage.replace(/\u001b\[[0-9;]*m/g, '');
  options.stream.write(`${text.replace(/[ \t]+$/gm, '').trimEnd()}\n\n`);
}

/**
 * The deepest sub-command named in `rawArgs`, and its parent named by its whole path (such as
 * `dart_cloud env`), so that the usage line reads `dart_cloud env set`.
 */
async function resolveCommandPath(options: {
  command: CommandDef;
  rawArgs: string[];
}): Promise<[CommandDef, CommandDef | undefined]> {
  let current = options.command;
  let parent: CommandDef | undefined;
  const names: string[] = [];
  for (const arg of options.rawArgs) {
    if (arg.startsWith('-')) continue;
    const subCommands = await resolve(current.subCommands);
    const next = subCommands?.[arg];
    if (next === undefined) break;
    names.push((await resolve(current.meta))?.name ?? '');
    parent = { ...current, meta: { ...(await resolve(current.meta)), name: names.join(' ') } };
    current = await resolve(next);
  }
  return [current, parent];
}

async function resolve<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : await value;
}

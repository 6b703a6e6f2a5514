/**
 * Refuses what the argument parser would silently drop: options a command does not have and
 * positional arguments past the ones it takes.
 */
import type { ArgDef, CommandDef } from 'citty';
import { ValidationError } from '../core/errors.ts';

/** Checks `rawArgs` against the command they reach; throws `ValidationError` on a misfit. */
export async function checkArgs(options: {
  command: CommandDef;
  rawArgs: string[];
}): Promise<void> {
  let command = options.command;
  let rawArgs = options.rawArgs;
  const names: string[] = [];

  for (;;) {
    names.push((await resolve(command.meta))?.name ?? '');
    const subCommands = await resolve(command.subCommands);
    if (subCommands === undefined || Object.keys(subCommands).length === 0) break;
    const index = rawArgs.findIndex((arg) => !arg.startsWith('-'));
    const misplaced = rawArgs.slice(0, index === -1 ? rawArgs.length : index)[0];
    if (misplaced !== undefined && misplaced !== '--') {
      throw new ValidationError(
        `Unknown option ${misplaced} for ${names.join(' ')}; options go after the command name`,
      );
    }
    const next = index === -1 ? undefined : subCommands[rawArgs[index] ?? ''];
    // No sub-command, or an unknown one: the parser reports that itself.
    if (next === undefined) return;
    command = await resolve(next);
    rawArgs = rawArgs.slice(index + 1);
  }

  checkLeafArgs({ name: names.join(' '), args: (await resolve(command.args)) ?? {}, rawArgs });
}

function checkLeafArgs(options: {
  name: string;
  args: Record<string, ArgDef>;
  rawArgs: string[];
}): void {
  const { name, args, rawArgs } = options;
  const entries = Object.entries(args);
  const positionals = entries.filter(([, def]) => def.type === 'positional').map(([key]) => key);
  const longs = new Map(entries.filter(([, def]) => def.type !== 'positional'));
  const shorts = new Map<string, ArgDef>();
  for (const [, def] of longs) {
    for (const alias of toArray((def as { alias?: string | string[] }).alias)) {
      shorts.set(alias, def);
    }
  }
  const help = `Run \`${name} --help\` for its options.`;

  let positionalCount = 0;
  for (let index = 0; index < rawArgs.length; index++) {
    const arg = rawArgs[index] ?? '';
    if (arg === '--') {
      positionalCount += rawArgs.length - index - 1;
      break;
    }
    if (arg.startsWith('--')) {
      const [flag = '', value] = splitFlag(arg.slice(2));
      const def = longs.get(flag) ?? negatedBoolean(longs, flag);
      if (def === undefined) {
        const closest = closestName(flag, [...longs.keys()]);
        const hint = closest === null ? '' : ` Did you mean --${closest}?`;
        throw new ValidationError(`Unknown option --${flag} for ${name}.${hint} ${help}`);
      }
      if (def.type !== 'boolean' && value === undefined) index++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (const letter of arg.slice(1)) {
        if (!shorts.has(letter) && letter !== 'h') {
          throw new ValidationError(`Unknown option -${letter} for ${name}. ${help}`);
        }
      }
      continue;
    }
    positionalCount++;
    if (positionalCount > positionals.length) {
      const takes =
        positionals.length === 0
          ? 'takes no arguments'
          : `takes ${positionals.map((key) => `<${key}>`).join(' ')}`;
      throw new ValidationError(`Unexpected argument '${arg}': ${name} ${takes}. ${help}`);
    }
  }
}

function splitFlag(text: string): [string, string | undefined] {
  const equals = text.indexOf('=');
  return equals === -1 ? [text, undefined] : [text.slice(0, equals), text.slice(equals + 1)];
}

function negatedBoolean(longs: Map<string, ArgDef>, flag: string): ArgDef | undefined {
  const def = flag.startsWith('no-') ? longs.get(flag.slice(3)) : undefined;
  return def?.type === 'boolean' ? def : undefined;
}

/** The known option nearest to `flag` (at most two edits, or one it starts), if any. */
function closestName(flag: string, known: string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of known) {
    const distance = name.startsWith(flag) && flag.length >= 2 ? 1 : editDistance(flag, name);
    if (distance <= 2 && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

async function resolve<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : await value;
}

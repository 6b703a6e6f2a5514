/** Where the CLI writes: results to stdout, messages for the person at the terminal to stderr. */
import { createConsola, type ConsolaInstance } from 'consola';

const useColor = process.stderr.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number, text: string): string =>
  useColor ? `\u001b[${code}m${text}\u001b[39m` : text;

const PREFIXES: Record<string, string> = {
  fatal: paint(31, 'error: '),
  error: paint(31, 'error: '),
  warn: paint(33, 'warning: '),
  success: paint(32, '✔ '),
  debug: paint(90, 'debug: '),
  trace: paint(90, 'trace: '),
};

/**
 * Messages, warnings and errors for the user, on stderr (results never go here), one plain
 * line each: `error: ...`, `warning: ...`. `DART_CLOUD_LOG_LEVEL=debug` adds debug lines.
 */
export const ui: ConsolaInstance = createConsola({
  level: process.env.DART_CLOUD_LOG_LEVEL === 'debug' ? 4 : 3,
  reporters: [
    {
      log(entry) {
        const message = entry.args
          .map((arg) => (arg instanceof Error ? arg.message : String(arg)))
          .join(' ');
        process.stderr.write(`${PREFIXES[entry.type] ?? ''}${message}\n`);
      },
    },
  ],
});

/** Writes one result line (or several) to stdout. */
export function printLine(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a value as JSON to stdout, alone, so that it parses as a whole. */
export function printJson(value: unknown): void {
  printLine(JSON.stringify(value, null, 2));
}

/** The output formats of commands that offer `--format`. */
export const OUTPUT_FORMATS = ['table', 'json'] as const;

/** One of `OUTPUT_FORMATS`. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

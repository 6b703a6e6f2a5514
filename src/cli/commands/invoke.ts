/** `dart_cloud invoke <function> [--data JSON]`: runs a function once and prints its result. */
import { defineCommand } from 'citty';
import { readFileSync } from 'node:fs';
import type { InvokeResponse } from '../../client/types.ts';
import { DartCloudError, ValidationError } from '../../core/errors.ts';
import { parseChoice } from '../options.ts';
import { printJson, printLine, ui } from '../output.ts';
import { createSessionClient, serverArg } from '../session.ts';

/** An execution that ran but did not succeed (error, timeout, crash, out of memory, ...). */
export class ExecutionFailedError extends DartCloudError {
  override readonly name = 'ExecutionFailedError';
  readonly execution: InvokeResponse;

  constructor(execution: InvokeResponse) {
    const said = [execution.error, execution.details].filter(Boolean).join(': ');
    super(
      'E_EXECUTION_FAILED',
      `Execution ${execution.execution_id} ended with status ${execution.status}${said ? ` (${said})` : ''}`,
    );
    this.execution = execution;
  }
}

/** The request body from `--data`: JSON text, `@file` holding JSON, or `@-` for stdin. */
export function parseInvokeData(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  if (!value.startsWith('@')) {
    return parseJsonOrFail(
      value,
      () => `Expected --data to be JSON such as '{"name":"Ada"}', got '${value}'`,
    );
  }

  const source = value === '@-' ? 'stdin' : `the file ${value.slice(1)}`;
  const text = value === '@-' ? readStdin() : readDataFile(value.slice(1));
  return parseJsonOrFail(text, (reason) => {
    const trimmed = text.trim();
    const got =
      trimmed === '' ? 'nothing' : `'${trimmed.slice(0, 40)}${trimmed.length > 40 ? '…' : ''}'`;
    return `Expected ${source} (--data ${value}) to hold JSON such as {"name":"Ada"}, got ${got} (${reason})`;
  });
}

function parseJsonOrFail(text: string, message: (reason: string) => string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(message((error as Error).message));
  }
}

function readDataFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ValidationError(`Expected --data @file to name a readable file, got '${path}'`);
  }
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    throw new ValidationError(
      'Expected --data @- to read JSON from stdin, but stdin is not readable',
    );
  }
}

/** The function's result as the terminal shows it: text as is, anything else as JSON. */
export function renderResult(result: unknown): string {
  return typeof result === 'string' ? result : JSON.stringify(result, null, 2);
}

/** The `invoke` command. */
export const invokeCommand = defineCommand({
  meta: { name: 'invoke', description: 'Invoke a function and print its result' },
  args: {
    function: {
      type: 'positional',
      required: true,
      description: 'Function id or name',
      valueHint: 'function',
    },
    data: {
      type: 'string',
      description: 'Request body as JSON, @file, or @- for stdin',
      valueHint: 'json',
    },
    format: {
      type: 'string',
      default: 'text',
      description: 'text: the result alone; json: the whole answer',
    },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({
      option: '--format',
      value: args.format,
      choices: ['text', 'json'],
    });
    const body = parseInvokeData(args.data);
    const { client } = createSessionClient({ server: args.server });

    const execution = await client.invoke({
      id: args.function,
      request: body === undefined ? {} : { body },
    });
    if (format === 'json') printJson(execution);
    if (execution.status !== 'success') throw new ExecutionFailedError(execution);

    if (format !== 'json') printLine(renderResult(execution.result));
    const http = execution.response ? ` (HTTP ${execution.response.status_code})` : '';
    ui.info(
      `Execution ${execution.execution_id}: ${execution.status} in ${execution.duration_ms} ms${http}`,
    );
  },
});

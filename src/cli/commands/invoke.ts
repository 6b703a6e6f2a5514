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

/** The request body from `--data`: JSON text, or `@file` holding JSON. */
export function parseInvokeData(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  const text = value.startsWith('@') ? readDataFile(value.slice(1)) : value;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(
      `Expected --data to be JSON such as '{"name":"Ada"}', got '${value}'`,
    );
  }
}

function readDataFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ValidationError(`Expected --data @file to name a readable file, got '${path}'`);
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
    data: { type: 'string', description: 'Request body as JSON, or @file', valueHint: 'json' },
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
    ui.info(
      `Execution ${execution.execution_id}: ${execution.status} in ${execution.duration_ms} ms`,
    );
  },
});

/** `dart_cloud executions <function>`: a function's execution history, newest first. */
import { defineCommand } from 'citty';
import type { Execution } from '../../client/types.ts';
import { parseChoice, parsePositiveInt } from '../options.ts';
import { OUTPUT_FORMATS, printJson, printLine, ui } from '../output.ts';
import { renderTable, type TableColumn } from '../render-table.ts';
import { createSessionClient, serverArg } from '../session.ts';

const COLUMNS: TableColumn<Execution>[] = [
  { header: 'id', value: (row) => row.id },
  { header: 'status', value: (row) => row.status },
  { header: 'started', value: (row) => row.started_at },
  { header: 'ms', value: (row) => row.duration_ms, alignRight: true },
  { header: 'exit', value: (row) => row.exit_code ?? row.signal, alignRight: true },
  { header: 'error', value: (row) => row.error },
];

/** Renders executions as a table. */
export function renderExecutions(executions: Execution[]): string {
  return renderTable({ columns: COLUMNS, rows: executions });
}

/** The `executions` command. */
export const executionsCommand = defineCommand({
  meta: { name: 'executions', description: 'Show a function’s execution history' },
  args: {
    function: {
      type: 'positional',
      required: true,
      description: 'Function id or name',
      valueHint: 'function',
    },
    limit: { type: 'string', default: '10', description: 'Number of results (1 to 100)' },
    format: { type: 'string', default: 'table', description: 'Output format: table or json' },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({ option: '--format', value: args.format, choices: OUTPUT_FORMATS });
    const limit = parsePositiveInt({ option: '--limit', value: args.limit, max: 100 });
    const { client } = createSessionClient({ server: args.server });
    const page = await client.listExecutions({ id: args.function, limit });
    if (format === 'json') printJson(page);
    else if (page.executions.length === 0) ui.info(`${args.function} has not run yet`);
    else printLine(renderExecutions(page.executions));
  },
});

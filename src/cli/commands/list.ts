/** `dart_cloud list`: the signed-in account's functions. */
import { defineCommand } from 'citty';
import type { FunctionSummary } from '../../client/types.ts';
import { parseChoice, parsePositiveInt } from '../options.ts';
import { OUTPUT_FORMATS, printJson, printLine } from '../output.ts';
import { renderTable, type TableColumn } from '../render-table.ts';
import { createSessionClient, serverArg } from '../session.ts';

const COLUMNS: TableColumn<FunctionSummary>[] = [
  { header: 'id', value: (row) => row.id },
  { header: 'name', value: (row) => row.name },
  { header: 'status', value: (row) => row.status },
  { header: 'created', value: (row) => row.created_at },
];

/** Renders the functions table, with a line on how many more come after this page. */
export function renderFunctionList(options: {
  functions: FunctionSummary[];
  total: number;
  offset?: number;
}): string {
  const offset = options.offset ?? 0;
  if (options.total === 0) return 'No functions yet. Deploy one with `dart_cloud deploy <path>`.';
  if (options.functions.length === 0) {
    return `No functions past --offset ${offset}; there are ${options.total} in all.`;
  }
  const table = renderTable({ columns: COLUMNS, rows: options.functions });
  const next = offset + options.functions.length;
  const after = options.total - next;
  return after > 0 ? `${table}\n(${after} more; pass --offset ${next} to see them)` : table;
}

/** The `list` command. */
export const listCommand = defineCommand({
  meta: { name: 'list', description: 'List deployed functions' },
  args: {
    format: { type: 'string', default: 'table', description: 'Output format: table or json' },
    limit: { type: 'string', default: '10', description: 'Number of results (1 to 100)' },
    offset: { type: 'string', description: 'Skip this many functions' },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({ option: '--format', value: args.format, choices: OUTPUT_FORMATS });
    const limit = parsePositiveInt({ option: '--limit', value: args.limit, max: 100 });
    const offset = args.offset === undefined ? undefined : parseOffset(args.offset);
    const { client } = createSessionClient({ server: args.server });

    const page = await client.listFunctions({ limit, offset });
    if (format === 'json') printJson(page);
    else printLine(renderFunctionList({ ...page, offset: offset ?? 0 }));
  },
});

function parseOffset(value: string): number {
  return value.trim() === '0' ? 0 : parsePositiveInt({ option: '--offset', value });
}

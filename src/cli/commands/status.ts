/** `dart_cloud status <function>`: a function's details. */
import { defineCommand } from 'citty';
import type { FunctionDetails } from '../../client/types.ts';
import { parseChoice } from '../options.ts';
import { OUTPUT_FORMATS, printJson, printLine } from '../output.ts';
import { renderKeyValues } from '../render-table.ts';
import { createSessionClient, serverArg } from '../session.ts';

/** Renders a function's details as label/value lines. */
export function renderFunctionDetails(details: FunctionDetails): string {
  return renderKeyValues([
    ['id', details.id],
    ['name', details.name],
    ['status', details.status],
    ['version', details.version],
    ['contract', details.contract],
    ['memory', `${details.memory} MB`],
    ['timeout', `${details.timeout} s`],
    ['url', details.url],
    ['created', details.created_at],
    ['updated', details.updated_at],
  ]);
}

/** The `status` command. */
export const statusCommand = defineCommand({
  meta: { name: 'status', description: 'Show a function’s status and details' },
  args: {
    function: {
      type: 'positional',
      required: true,
      description: 'Function id or name',
      valueHint: 'function',
    },
    format: { type: 'string', default: 'table', description: 'Output format: table or json' },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({ option: '--format', value: args.format, choices: OUTPUT_FORMATS });
    const { client } = createSessionClient({ server: args.server });
    const details = await client.getFunction({ id: args.function });
    if (format === 'json') printJson(details);
    else printLine(renderFunctionDetails(details));
  },
});

/** `dart_cloud status <function>`: a function's details. */
import { defineCommand } from 'citty';
import type { FunctionDetails } from '../../client/types.ts';
import { parseChoice } from '../options.ts';
import { OUTPUT_FORMATS, printJson, printLine } from '../output.ts';
import { renderKeyValues } from '../render-table.ts';
import { createSessionClient, serverArg } from '../session.ts';

/** Renders a function's details as label/value lines, and why its last build failed. */
export function renderFunctionDetails(details: FunctionDetails): string {
  const build = details.last_build;
  const table = renderKeyValues([
    ['id', details.id],
    ['name', details.name],
    ['status', details.status],
    ['version', details.version],
    ['contract', details.contract],
    ['memory', `${details.memory} MB`],
    ['timeout', `${details.timeout} s`],
    ['network', details.network ? 'allowed' : 'none'],
    ['url', details.url],
    ['last build', build ? `version ${build.version}, ${build.status}` : null],
    ['created', details.created_at],
    ['updated', details.updated_at],
  ]);
  if (!build?.error) return table;
  return (
    `${table}\n\nThe last build failed:\n${build.error}\n` +
    `(\`dart_cloud status ${details.name} --build-log\` shows its whole log)`
  );
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
    'build-log': { type: 'boolean', description: "Print the last build's whole log instead" },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({ option: '--format', value: args.format, choices: OUTPUT_FORMATS });
    const { client } = createSessionClient({ server: args.server });
    if (args['build-log']) {
      const build = await client.getBuildLog({ id: args.function });
      if (format === 'json') return printJson(build);
      return printLine(
        `Build of version ${build.version} (${build.status}):\n${build.build_log.trimEnd()}`,
      );
    }
    const details = await client.getFunction({ id: args.function });
    if (format === 'json') printJson(details);
    else printLine(renderFunctionDetails(details));
  },
});

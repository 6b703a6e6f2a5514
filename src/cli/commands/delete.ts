/** `dart_cloud delete <function>`: removes a function after a confirmation. */
import { defineCommand } from 'citty';
import { PromptError, isInteractive, promptConfirm } from '../prompt.ts';
import { printLine, ui } from '../output.ts';
import { createSessionClient, serverArg } from '../session.ts';

/** The `delete` command. */
export const deleteCommand = defineCommand({
  meta: { name: 'delete', description: 'Delete a function (asks first; --yes for scripts)' },
  args: {
    function: {
      type: 'positional',
      required: true,
      description: 'Function id or name',
      valueHint: 'function',
    },
    yes: { type: 'boolean', alias: 'y', description: 'Delete without asking' },
    ...serverArg,
  },
  async run({ args }) {
    if (!args.yes && !isInteractive()) {
      throw new PromptError(
        `Refusing to delete '${args.function}' without a confirmation; pass --yes to delete without asking`,
      );
    }
    const { client } = createSessionClient({ server: args.server });
    const details = await client.getFunction({ id: args.function });

    if (!args.yes) {
      const confirmed = await promptConfirm({
        message: `Delete function '${details.name}' (${details.id}) with its executions and logs?`,
        missing: 'pass --yes to delete without asking',
      });
      if (!confirmed) {
        ui.info('Nothing deleted');
        return;
      }
    }

    await client.deleteFunction({ id: details.id });
    printLine(`Deleted ${details.name} (${details.id})`);
  },
});

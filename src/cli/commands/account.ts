/** `dart_cloud account delete`: removes the signed-in account and everything it owns. */
import { defineCommand } from 'citty';
import { forgetLogin } from '../credentials.ts';
import { printLine, ui } from '../output.ts';
import { PromptError, isInteractive, promptConfirm, promptHidden } from '../prompt.ts';
import { createSessionClient, serverArg } from '../session.ts';

const deleteAccountCommand = defineCommand({
  meta: {
    name: 'delete',
    description:
      'Delete your account with its functions and API keys (asks first; --yes for scripts)',
  },
  args: {
    password: {
      type: 'string',
      description: 'Your password (asked for, hidden, when missing; or set DART_CLOUD_PASSWORD)',
      valueHint: 'password',
    },
    yes: { type: 'boolean', alias: 'y', description: 'Delete without asking' },
    ...serverArg,
  },
  async run({ args }) {
    if (!args.yes && !isInteractive()) {
      throw new PromptError(
        'Refusing to delete the account without a confirmation; pass --yes to delete without asking',
      );
    }
    const { client, session } = createSessionClient({ server: args.server });
    const { user } = await client.me();

    if (!args.yes) {
      const confirmed = await promptConfirm({
        message: `Delete the account ${user.email} on ${session.server}, with all its functions, executions, logs and API keys?`,
        missing: 'pass --yes to delete without asking',
      });
      if (!confirmed) {
        ui.info('Nothing deleted');
        return;
      }
    }
    const password =
      args.password ||
      process.env.DART_CLOUD_PASSWORD ||
      (await promptHidden({
        message: 'Password:',
        missing: 'pass --password or set DART_CLOUD_PASSWORD to delete without a terminal',
      }));

    await client.deleteAccount({ password });
    forgetLogin({ path: session.credentialsPath, server: session.server });
    printLine(`Deleted the account ${user.email} on ${session.server}`);
  },
});

/** The `account` command: `account delete`. */
export const accountCommand = defineCommand({
  meta: { name: 'account', description: 'Manage your account' },
  subCommands: { delete: deleteAccountCommand },
});

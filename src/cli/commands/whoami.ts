/** `dart_cloud whoami`: the account the saved token belongs to. */
import { defineCommand } from 'citty';
import { printLine } from '../output.ts';
import { createSessionClient, serverArg } from '../session.ts';

/** The `whoami` command. */
export const whoamiCommand = defineCommand({
  meta: { name: 'whoami', description: 'Show the signed-in account and server' },
  args: { ...serverArg },
  async run({ args }) {
    const { client, session } = createSessionClient({ server: args.server });
    const { user } = await client.me();
    printLine(`${user.email} on ${session.server}`);
  },
});

/** `dart_cloud login`: signs in and saves the token. */
import { defineCommand } from 'citty';
import { createSessionClient, serverArg } from '../session.ts';
import { completeSignIn, resolveSignIn, signInArgs } from '../sign-in.ts';

/** The `login` command. */
export const loginCommand = defineCommand({
  meta: { name: 'login', description: 'Sign in to a server and save the token' },
  args: { ...signInArgs, ...serverArg },
  async run({ args }) {
    const { client, session } = createSessionClient({ server: args.server, auth: false });
    const credentials = await resolveSignIn({ email: args.email, password: args.password });
    const auth = await client.login(credentials);
    completeSignIn({ session, auth, verb: 'Logged in as' });
  },
});

/** `dart_cloud register`: creates an account (the first one on a fresh server) and signs in. */
import { defineCommand } from 'citty';
import { createSessionClient, serverArg } from '../session.ts';
import { completeSignIn, resolveSignIn, signInArgs } from '../sign-in.ts';

/** The `register` command. */
export const registerCommand = defineCommand({
  meta: {
    name: 'register',
    description: 'Create an account (open on a fresh server, or with serve --allow-signup)',
  },
  args: { ...signInArgs, ...serverArg },
  async run({ args }) {
    const { client, session } = createSessionClient({ server: args.server, auth: false });
    const credentials = await resolveSignIn({
      email: args.email,
      password: args.password,
      confirmPassword: true,
    });
    const auth = await client.register(credentials);
    completeSignIn({ session, auth, verb: 'Registered and logged in as' });
  },
});

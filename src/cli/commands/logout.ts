/** `dart_cloud logout`: revokes the token on the server and forgets it here. */
import { defineCommand } from 'citty';
import { ApiClient } from '../../client/api-client.ts';
import { ApiError, ServerUnreachableError } from '../../client/errors.ts';
import { forgetLogin, readCredentials } from '../credentials.ts';
import { printLine, ui } from '../output.ts';
import { resolveSession, serverArg } from '../session.ts';

/** The `logout` command. */
export const logoutCommand = defineCommand({
  meta: { name: 'logout', description: 'Revoke the saved token and forget it' },
  args: { ...serverArg },
  async run({ args }) {
    const session = resolveSession({ server: args.server });
    const saved = readCredentials({ path: session.credentialsPath }).servers[session.server];
    if (saved === undefined) {
      printLine(`Not logged in to ${session.server}; nothing to do`);
      return;
    }

    try {
      await new ApiClient({ baseUrl: session.server, token: saved.token }).logout();
    } catch (error) {
      // The token is forgotten here either way; a server that cannot revoke it is worth a warning.
      if (!(error instanceof ApiError || error instanceof ServerUnreachableError)) throw error;
      if (!(error instanceof ApiError && error.status === 401)) {
        ui.warn(
          `The server did not revoke the token (${error.message}); it is forgotten here anyway`,
        );
      }
    }
    forgetLogin({ path: session.credentialsPath, server: session.server });
    printLine(`Logged out of ${session.server}`);
  },
});

/** Which server a client command talks to, with which token, and the shared `--server` option. */
import { ApiClient } from '../client/api-client.ts';
import { DartCloudError } from '../core/errors.ts';
import {
  DEFAULT_SERVER,
  normalizeServerUrl,
  readCredentials,
  resolveCredentialsPath,
} from './credentials.ts';

/** The `--server` option every client command takes. */
export const serverArg = {
  server: {
    type: 'string',
    description: `Server address (else $DART_CLOUD_SERVER, else the one you logged in to, else ${DEFAULT_SERVER})`,
    valueHint: 'url',
  },
} as const;

/** A client command that needs a sign-in found none. */
export class NotLoggedInError extends DartCloudError {
  override readonly name = 'NotLoggedInError';
  readonly server: string;

  constructor(server: string) {
    super(
      'E_NOT_LOGGED_IN',
      `Not logged in to ${server}. Run \`dart_cloud login\` (or \`dart_cloud register\` for a new ` +
        'account), or set DART_CLOUD_TOKEN.',
    );
    this.server = server;
  }
}

/** The server and token a command runs with. */
export interface Session {
  server: string;
  token: string | null;
  credentialsPath: string;
}

/** Resolves the server (`--server`, `DART_CLOUD_SERVER`, saved default, built-in) and its token. */
export function resolveSession(options: {
  server?: string | undefined;
  env?: Record<string, string | undefined>;
  /** Signing in replaces a credentials file that is not JSON instead of failing on it. */
  signingIn?: boolean;
}): Session {
  const env = options.env ?? process.env;
  const credentialsPath = resolveCredentialsPath(env);
  const credentials = readCredentials({
    path: credentialsPath,
    replaceCorrupt: options.signingIn === true,
  });

  const named =
    options.server || env.DART_CLOUD_SERVER || credentials.defaultServer || DEFAULT_SERVER;
  const server = normalizeServerUrl(named);
  const token = env.DART_CLOUD_TOKEN || credentials.servers[server]?.token || null;
  return { server, token, credentialsPath };
}

/** A client for the resolved server; throws `NotLoggedInError` when `auth` is needed but absent. */
export function createSessionClient(options: { server?: string | undefined; auth?: boolean }): {
  client: ApiClient;
  session: Session;
} {
  const session = resolveSession({ server: options.server, signingIn: options.auth === false });
  if (options.auth !== false && session.token === null) throw new NotLoggedInError(session.server);
  const client = new ApiClient({ baseUrl: session.server, token: session.token });
  return { client, session };
}

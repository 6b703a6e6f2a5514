/** What `login` and `register` share: asking for the email and password, saving the token. */
import type { AuthResponse } from '../client/types.ts';
import { ValidationError } from '../core/errors.ts';
import { parsePassword } from '../functions/validate.ts';
import { saveLogin } from './credentials.ts';
import { printLine } from './output.ts';
import { promptHidden, promptText } from './prompt.ts';
import type { Session } from './session.ts';

/** The `--email` and `--password` options. */
export const signInArgs = {
  email: {
    type: 'string',
    description: 'Email address (asked for when missing)',
    valueHint: 'email',
  },
  password: {
    type: 'string',
    description: 'Password (asked for, hidden, when missing; or set DART_CLOUD_PASSWORD)',
    valueHint: 'password',
  },
} as const;

/** The email and password from the options, the environment, or the terminal. */
export async function resolveSignIn(options: {
  email?: string | undefined;
  password?: string | undefined;
  confirmPassword?: boolean;
}): Promise<{ email: string; password: string }> {
  const email =
    options.email ||
    (await promptText({
      message: 'Email:',
      missing: 'pass --email (and --password) to sign in without a terminal',
    }));
  if (email === '') throw new ValidationError('Expected an email address, got an empty one');

  const fromEnv = process.env.DART_CLOUD_PASSWORD;
  if (options.password || fromEnv) {
    const password = options.password || fromEnv || '';
    return { email, password: checkPassword(password, options.confirmPassword === true) };
  }

  const missing = 'pass --password or set DART_CLOUD_PASSWORD to sign in without a terminal';
  const password = await promptHidden({ message: 'Password:', missing });
  checkPassword(password, options.confirmPassword === true);
  if (options.confirmPassword) {
    const again = await promptHidden({ message: 'Password again:', missing });
    if (again !== password)
      throw new ValidationError('The two passwords differ; run the command again');
  }
  return { email, password };
}

/** A new password follows the server's rule (8 to 256 characters); any other is not empty. */
function checkPassword(password: string, isNew: boolean): string {
  if (isNew) return parsePassword(password);
  if (password === '') throw new ValidationError('Expected a password, got an empty one');
  return password;
}

/** Saves a fresh token for the session's server and says who is signed in where. */
export function completeSignIn(options: {
  session: Session;
  auth: AuthResponse;
  verb: string;
}): void {
  const { session, auth } = options;
  saveLogin({
    path: session.credentialsPath,
    server: session.server,
    token: auth.token,
    email: auth.user.email,
  });
  printLine(`${options.verb} ${auth.user.email} on ${session.server}`);
}

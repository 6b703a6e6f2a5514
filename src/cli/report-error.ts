/** The CLI edge: the one place where errors become messages on stderr and exit codes. */
import { ApiError, ServerUnreachableError } from '../client/errors.ts';
import { DartCloudError, DartSdkNotFoundError, ValidationError } from '../core/errors.ts';
import { ExitCode } from './exit-codes.ts';
import { ui } from './output.ts';
import { PromptError } from './prompt.ts';
import { NotLoggedInError } from './session.ts';

/** What the user is told about a failure, and how the process exits. */
export interface ErrorReport {
  message: string;
  /** Extra text shown after the message, for example a build log. */
  detail?: string;
  exitCode: ExitCode;
  /** A usage mistake: the command's help is worth showing. */
  showUsage?: boolean;
}

/**
 * Maps any thrown value to a report; unknown errors keep their message, never a stack. `env`
 * tells which credential was sent: DART_CLOUD_TOKEN, when set, wins over a saved login.
 */
export function describeError(
  error: unknown,
  options: { env?: Record<string, string | undefined> } = {},
): ErrorReport {
  if (error instanceof ApiError) {
    const env = options.env ?? process.env;
    return describeApiError(error, { apiKey: env.DART_CLOUD_TOKEN?.startsWith('dck_') === true });
  }
  if (error instanceof ServerUnreachableError) {
    return { message: error.message, exitCode: ExitCode.unreachable };
  }
  if (error instanceof NotLoggedInError)
    return { message: error.message, exitCode: ExitCode.unauthorized };
  if (error instanceof ValidationError || error instanceof PromptError) {
    return { message: error.message, exitCode: ExitCode.usage };
  }
  if (error instanceof DartSdkNotFoundError)
    return { message: error.message, exitCode: ExitCode.failure };
  if (isCittyError(error)) {
    return { message: stripAnsi(error.message), exitCode: ExitCode.usage, showUsage: true };
  }
  if (error instanceof DartCloudError)
    return { message: error.message, exitCode: ExitCode.failure };

  if (isSystemError(error)) return { message: error.message, exitCode: ExitCode.failure };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `Unexpected error: ${message}`, exitCode: ExitCode.failure };
}

// The server's 401 for a signed key sent as a bearer token; its body has no other field to tell.
const SIGNED_AS_BEARER = /not accepted as a bearer token/i;

function describeApiError(error: ApiError, credential: { apiKey: boolean }): ErrorReport {
  const said = error.details ? `${error.error}: ${error.details}` : error.error;

  if (error.status === 401) {
    return {
      message: `${said}. ${renderUnauthorizedHint(error, credential)}`,
      exitCode: ExitCode.unauthorized,
    };
  }
  if (error.status === 403) return { message: said, exitCode: ExitCode.unauthorized };
  if (
    error.status === 404 &&
    error.functionRef !== null &&
    /^function not found/i.test(error.details)
  ) {
    return {
      message: `Function '${error.functionRef}' not found. Run \`dart_cloud list\` to see your functions.`,
      exitCode: ExitCode.notFound,
    };
  }
  if (error.status === 404) return { message: said, exitCode: ExitCode.notFound };
  if (error.status === 422) {
    const log = error.body.build_log;
    const hasLog = typeof log === 'string' && log.trim() !== '' && log.trim() !== error.details;
    // The details quote the compiler's error lines, which the build log shows in full below.
    const headline = said.split('\n')[0]?.replace(/:$/, '') ?? said;
    return {
      message: hasLog ? headline : said,
      detail: hasLog ? `Build log:\n${log.trimEnd()}` : undefined,
      exitCode: ExitCode.failure,
    };
  }
  if (error.status === 429) {
    // The server's details usually say when to retry already.
    const retry =
      error.retryAfterSeconds === null || /retry in \d/i.test(said)
        ? ''
        : ` Retry in ${error.retryAfterSeconds} s.`;
    return { message: `${said.replace(/\.$/, '')}.${retry}`, exitCode: ExitCode.failure };
  }
  if (error.status === 400 || error.status === 413)
    return { message: said, exitCode: ExitCode.usage };
  return { message: said, exitCode: ExitCode.failure };
}

/** What to do about a refused credential: sign in again, or fix the API key in DART_CLOUD_TOKEN. */
function renderUnauthorizedHint(error: ApiError, credential: { apiKey: boolean }): string {
  if (!credential.apiKey) return 'Run `dart_cloud login` to sign in again.';
  if (SIGNED_AS_BEARER.test(error.details)) {
    return (
      'DART_CLOUD_TOKEN holds a signed API key, which cannot be used as a bearer token (the CLI ' +
      'sends it as one); use an unsigned key from `dart_cloud apikey create`.'
    );
  }
  return (
    'DART_CLOUD_TOKEN holds an API key: check it against `dart_cloud apikey list`, or create ' +
    'a new one with `dart_cloud apikey create`.'
  );
}

/** Prints a failure to stderr and returns the exit code it maps to. */
export function reportError(error: unknown): ExitCode {
  const report = describeError(error);
  ui.error(report.message);
  if (report.detail !== undefined) process.stderr.write(`${report.detail}\n`);
  if (
    report.exitCode === ExitCode.failure &&
    !(error instanceof DartCloudError) &&
    error instanceof Error
  ) {
    ui.debug(error.stack ?? '');
  }
  return report.exitCode;
}

/** citty's own usage errors (unknown command, missing argument) carry `name: 'CLIError'`. */
function isCittyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'CLIError';
}

/** An operating-system failure (`ENOENT`, `EACCES`, `EADDRINUSE`, ...): its message says it all. */
function isSystemError(error: unknown): error is Error {
  return error instanceof Error && typeof (error as { syscall?: unknown }).syscall === 'string';
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

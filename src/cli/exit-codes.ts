/** The CLI's exit codes; every failure maps to one of them in `report-error.ts`. */
export const ExitCode = {
  ok: 0,
  /** The server refused or failed the request, or the function failed. */
  failure: 1,
  /** A bad option or argument, or a question with no terminal to ask it on. */
  usage: 2,
  /** No sign-in, a rejected token, or an action the account may not take. */
  unauthorized: 3,
  /** The function (or another resource) does not exist. */
  notFound: 4,
  /** No server answered at the address tried. */
  unreachable: 5,
  /** Interrupted by the user (Ctrl-C). */
  interrupted: 130,
} as const;

/** One of the values of `ExitCode`. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Questions asked on the terminal, on a raw TTY: a visible line, a hidden one (passwords) and
 * yes/no. Questions go to stderr so that stdout carries only results. consola's prompt is not
 * used: it cannot hide input and it garbles its frame on terminals that report no width.
 */
import { DartCloudError } from '../core/errors.ts';

/** A question that cannot be asked (no terminal) or that the user cancelled. */
export class PromptError extends DartCloudError {
  override readonly name = 'PromptError';
  constructor(message: string) {
    super('E_PROMPT', message);
  }
}

/** Whether the CLI may ask questions: stdin is a terminal. */
export function isInteractive(): boolean {
  return process.stdin.isTTY === true;
}

/** Asks for a line of visible text; `missing` says what to pass instead when there is no terminal. */
export async function promptText(options: { message: string; missing: string }): Promise<string> {
  return (await readLine({ ...options, hidden: false })).trim();
}

/** Asks for a secret, echoing nothing. */
export function promptHidden(options: { message: string; missing: string }): Promise<string> {
  return readLine({ ...options, hidden: true });
}

/** Asks yes or no; anything but `y` or `yes` is no. */
export async function promptConfirm(options: {
  message: string;
  missing: string;
}): Promise<boolean> {
  const answer = await readLine({ ...options, message: `${options.message} [y/N]`, hidden: false });
  return /^y(es)?$/i.test(answer.trim());
}

function readLine(options: { message: string; missing: string; hidden: boolean }): Promise<string> {
  if (!isInteractive()) throw new PromptError(`No terminal to ask on: ${options.missing}`);
  const stdin = process.stdin;
  const echo = (text: string): void => {
    if (!options.hidden) process.stderr.write(text);
  };
  process.stderr.write(`${options.message} `);

  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      // Arrow keys and other escape sequences are not part of the answer.
      const text = String(chunk).replace(/\u001b\[[0-9;]*[A-Za-z~]/g, '');
      for (const char of text) {
        if (char === '\r' || char === '\n' || (char === '\u0004' && value !== '')) {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          finish();
          reject(new PromptError('Cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') {
          if (value !== '') echo('\b \b');
          value = [...value].slice(0, -1).join('');
        } else if (char === '\u0015') {
          echo('\b \b'.repeat([...value].length));
          value = '';
        } else if (char >= ' ') {
          value += char;
          echo(char);
        }
      }
    };

    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** Questions asked on the terminal: visible text and confirmations through consola, hidden input raw. */
import { consola } from 'consola';
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

/** Asks for a line of visible text; `missing` explains what to pass instead when there is no terminal. */
export async function promptText(options: { message: string; missing: string }): Promise<string> {
  requireTerminal(options.missing);
  const answer = await consola.prompt(options.message, { type: 'text', cancel: 'symbol' });
  process.stdin.pause();
  if (typeof answer !== 'string') throw new PromptError('Cancelled');
  return answer.trim();
}

/** Asks yes or no, defaulting to no. */
export async function promptConfirm(options: { message: string; missing: string }): Promise<boolean> {
  requireTerminal(options.missing);
  const answer = await consola.prompt(options.message, {
    type: 'confirm',
    initial: false,
    cancel: 'symbol',
  });
  process.stdin.pause();
  return answer === true;
}

/** Asks for a secret on a raw terminal, echoing nothing; the question goes to stderr. */
export function promptHidden(options: { message: string; missing: string }): Promise<string> {
  requireTerminal(options.missing);
  const stdin = process.stdin;
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
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char === '\u0015') value = '';
        else if (char >= ' ') value += char;
      }
    };

    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

function requireTerminal(missing: string): void {
  if (!isInteractive()) throw new PromptError(`No terminal to ask on: ${missing}`);
}

/** `dart_cloud logs <function>`: a function's log lines, optionally followed as they arrive. */
import { defineCommand } from 'citty';
import type { ApiClient } from '../../client/api-client.ts';
import type { LogLine } from '../../client/types.ts';
import { parseChoice, parseDurationMs, parsePositiveInt, parseSince } from '../options.ts';
import { printLine, ui } from '../output.ts';
import { createSessionClient, serverArg } from '../session.ts';

/** One log line as the terminal shows it: time, execution, level, message. */
export function renderLogLine(line: LogLine): string {
  return `${line.timestamp}  ${line.execution_id.slice(0, 12)}  ${line.level.padEnd(5)}  ${line.message}`;
}

/** The `logs` command. */
export const logsCommand = defineCommand({
  meta: { name: 'logs', description: 'Show a function’s execution logs' },
  args: {
    function: {
      type: 'positional',
      required: true,
      description: 'Function id or name',
      valueHint: 'function',
    },
    follow: { type: 'boolean', alias: 'f', description: 'Keep printing new lines until Ctrl-C' },
    lines: { type: 'string', default: '100', description: 'Number of lines to show (1 to 1000)' },
    since: {
      type: 'string',
      description: 'Only lines since an ISO time, Unix ms, or a span such as 10m',
    },
    execution: { type: 'string', description: 'Only the lines of one execution', valueHint: 'id' },
    format: {
      type: 'string',
      default: 'text',
      description: 'text, or json (one JSON object a line)',
    },
    interval: {
      type: 'string',
      default: '1s',
      description: 'With --follow, the pause between asks when the server cannot hold them',
    },
    ...serverArg,
  },
  async run({ args }) {
    const format = parseChoice({
      option: '--format',
      value: args.format,
      choices: ['text', 'json'],
    });
    const query = {
      id: args.function,
      limit: parsePositiveInt({ option: '--lines', value: args.lines, max: 1000 }),
      since:
        args.since === undefined ? undefined : parseSince({ option: '--since', value: args.since }),
      executionId: args.execution,
    };
    const intervalMs = parseDurationMs({ option: '--interval', value: args.interval });
    const { client } = createSessionClient({ server: args.server });
    const print = (lines: LogLine[]): void => {
      for (const line of lines)
        printLine(format === 'json' ? JSON.stringify(line) : renderLogLine(line));
    };

    const page = await client.getLogs(query);
    print(page.logs);
    if (page.logs.length === 0 && !args.follow)
      ui.info(`No log lines for ${args.function}${args.since ? ' in that time' : ''}`);
    if (args.follow) await followLogs({ client, query, cursor: page.cursor, intervalMs, print });
  },
});

/** How long the server may hold one --follow request until new lines come (its maximum is 30). */
const FOLLOW_WAIT_SECONDS = 25;

/**
 * Follows with the `after` cursor until SIGINT or SIGTERM. Each request is held by the server
 * until lines come (long polling), so following costs a request per batch of lines, not one a
 * second against the rate limit; a server that answers at once gets asked every `intervalMs`.
 */
async function followLogs(options: {
  client: ApiClient;
  query: { id: string; since?: string | undefined; executionId?: string | undefined };
  cursor: LogLine['id'] | null;
  intervalMs: number;
  print: (lines: LogLine[]) => void;
}): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let cursor = options.cursor;
  try {
    while (!stop.signal.aborted) {
      const asked = Date.now();
      const page = await options.client
        .getLogs({
          ...options.query,
          limit: 1000,
          after: cursor === null ? undefined : String(cursor),
          wait: FOLLOW_WAIT_SECONDS,
          signal: stop.signal,
        })
        .catch((error: unknown) => {
          // Ctrl-C ends the held request; that is the way out, not a failure.
          if (stop.signal.aborted) return null;
          throw error;
        });
      if (page === null || stop.signal.aborted) break;
      options.print(page.logs);
      if (page.cursor !== null && page.cursor !== undefined) cursor = page.cursor;
      // An empty answer that came at once is from a server that does not hold requests.
      if (page.logs.length === 0 && Date.now() - asked < options.intervalMs) {
        await sleep(options.intervalMs, stop.signal);
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

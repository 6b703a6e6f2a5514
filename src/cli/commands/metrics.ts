/** `dart_cloud metrics <function>`: invocations, errors and durations over a period. */
import { defineCommand } from 'citty';
import type { MetricsResponse } from '../../client/types.ts';
import { parseChoice } from '../options.ts';
import { OUTPUT_FORMATS, printJson, printLine } from '../output.ts';
import { renderKeyValues } from '../render-table.ts';
import { createSessionClient, serverArg } from '../session.ts';

/** The periods the server aggregates over. */
export const METRICS_PERIODS = ['1h', '24h', '7d'] as const;

/** Renders metrics as label/value lines. */
export function renderMetrics(metrics: MetricsResponse): string {
  const ms = (value: number | null): string =>
    value === null ? '-' : `${Math.round(value * 10) / 10} ms`;
  return renderKeyValues([
    ['period', metrics.period],
    ['invocations', metrics.invocations],
    ['errors', metrics.errors],
    ['error rate', `${Math.round(metrics.error_rate * 1000) / 10}%`],
    ['avg duration', ms(metrics.avg_duration_ms)],
    ['p95 duration', ms(metrics.p95_duration_ms)],
  ]);
}

/** The `metrics` command. */
export const metricsCommand = defineCommand({
  meta: { name: 'metrics', description: 'Show a function’s metrics and statistics' },
  args: {
    function: {
      type: 'positional',
      required: true,
      description: 'Function id or name',
      valueHint: 'function',
    },
    period: { type: 'string', default: '1h', description: 'Time period: 1h, 24h or 7d' },
    format: { type: 'string', default: 'table', description: 'Output format: table or json' },
    ...serverArg,
  },
  async run({ args }) {
    const period = parseChoice({
      option: '--period',
      value: args.period,
      choices: METRICS_PERIODS,
    });
    const format = parseChoice({ option: '--format', value: args.format, choices: OUTPUT_FORMATS });
    const { client } = createSessionClient({ server: args.server });
    const metrics = await client.getMetrics({ id: args.function, period });
    if (format === 'json') printJson(metrics);
    else printLine(renderMetrics(metrics));
  },
});

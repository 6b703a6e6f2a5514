/** Per-function metrics over a recent period: invocations, errors, and durations. */
import { and, eq, gte, ne } from 'drizzle-orm';
import { ValidationError } from '../core/errors.ts';
import { executions } from '../db/schema.ts';
import type { ServiceContext } from './context.ts';
import { describeValue } from './validate.ts';

/** The periods metrics can cover, in milliseconds. */
export const MetricPeriods = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
export type MetricPeriod = keyof typeof MetricPeriods;

/** Aggregates over finished executions in a period. */
export interface FunctionMetrics {
  period: MetricPeriod;
  invocations: number;
  errors: number;
  /** errors / invocations, 0 when there were none. */
  errorRate: number;
  avgDurationMs: number;
  p95DurationMs: number;
}

/** Checks a period name; the default is `1h`. */
export function parseMetricPeriod(value: unknown): MetricPeriod {
  if (value === undefined) return '1h';
  if (typeof value === 'string' && Object.hasOwn(MetricPeriods, value))
    return value as MetricPeriod;
  throw new ValidationError(
    `Expected period to be one of 1h, 24h, 7d, got ${describeValue(value)}`,
  );
}

/** Computes a function's metrics over the period that ends now. */
export function computeMetrics(
  ctx: ServiceContext,
  functionId: string,
  period: MetricPeriod,
): FunctionMetrics {
  const rows = ctx.db
    .select({ status: executions.status, durationMs: executions.durationMs })
    .from(executions)
    .where(
      and(
        eq(executions.functionId, functionId),
        gte(executions.startedAt, ctx.now() - MetricPeriods[period]),
        ne(executions.status, 'running'),
      ),
    )
    .all();

  const durations = rows.map((row) => row.durationMs ?? 0).sort((a, b) => a - b);
  const errors = rows.filter((row) => row.status !== 'success').length;
  const total = durations.reduce((sum, d) => sum + d, 0);
  return {
    period,
    invocations: rows.length,
    errors,
    errorRate: rows.length === 0 ? 0 : errors / rows.length,
    avgDurationMs: rows.length === 0 ? 0 : Math.round(total / rows.length),
    p95DurationMs: percentile(durations, 0.95),
  };
}

/** Nearest-rank percentile of sorted values; 0 for none. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

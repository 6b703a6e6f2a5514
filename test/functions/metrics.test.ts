import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { ValidationError } from '../../src/core/errors.ts';
import { executions } from '../../src/db/schema.ts';
import { computeMetrics, parseMetricPeriod } from '../../src/functions/metrics.ts';
import { createTestApp, type TestApp } from '../helpers/in-process.ts';

let t: TestApp;
let functionId: string;
const NOW = Date.UTC(2026, 0, 10, 12);

beforeEach(async () => {
  t = await createTestApp();
  const token = await t.register();
  functionId = ((await (await t.deploy(token, { name: 'fn' })).json()) as { id: string }).id;
  t.services.now = () => NOW;
});
afterEach(() => t.close());

function record(options: { agoMs: number; durationMs: number; status?: string }): void {
  t.services.db
    .insert(executions)
    .values({
      id: `exe_${Math.random().toString(16).slice(2)}`,
      functionId,
      status: options.status ?? 'success',
      startedAt: NOW - options.agoMs,
      durationMs: options.durationMs,
    })
    .run();
}

describe('metrics', () => {
  test('a function without invocations has zero metrics', () => {
    expect(computeMetrics(t.services, functionId, '1h')).toEqual({
      period: '1h',
      invocations: 0,
      errors: 0,
      errorRate: 0,
      avgDurationMs: 0,
      p95DurationMs: 0,
    });
  });

  test('the p95 is the nearest-rank percentile and the average is rounded', () => {
    for (let i = 1; i <= 20; i++) record({ agoMs: 1000, durationMs: i * 10 });
    const metrics = computeMetrics(t.services, functionId, '1h');
    expect(metrics.invocations).toBe(20);
    expect(metrics.p95DurationMs).toBe(190);
    expect(metrics.avgDurationMs).toBe(105);
  });

  test('each period counts only the executions that started within it', () => {
    record({ agoMs: 30 * 60_000, durationMs: 10 });
    record({ agoMs: 5 * 3_600_000, durationMs: 10, status: 'timeout' });
    record({ agoMs: 3 * 86_400_000, durationMs: 10, status: 'crashed' });
    record({ agoMs: 8 * 86_400_000, durationMs: 10 });
    record({ agoMs: 1000, durationMs: 10, status: 'running' });

    expect(computeMetrics(t.services, functionId, '1h')).toMatchObject({
      invocations: 1,
      errors: 0,
    });
    expect(computeMetrics(t.services, functionId, '24h')).toMatchObject({
      invocations: 2,
      errors: 1,
      errorRate: 0.5,
    });
    expect(computeMetrics(t.services, functionId, '7d')).toMatchObject({
      invocations: 3,
      errors: 2,
    });
  });

  test('a period is 1h, 24h or 7d, and 1h by default', () => {
    expect(parseMetricPeriod(undefined)).toBe('1h');
    expect(parseMetricPeriod('7d')).toBe('7d');
    expect(() => parseMetricPeriod('30d')).toThrow(ValidationError);
    expect(() => parseMetricPeriod('toString')).toThrow(ValidationError);
  });
});

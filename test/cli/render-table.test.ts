import { describe, expect, test } from 'bun:test';
import { renderFunctionList } from '../../src/cli/commands/list.ts';
import { renderMetrics } from '../../src/cli/commands/metrics.ts';
import { renderEnv } from '../../src/cli/commands/env.ts';
import { renderKeyValues, renderTable } from '../../src/cli/render-table.ts';

describe('renderTable', () => {
  test('aligns columns under upper-case headings and right-aligns numbers', () => {
    const text = renderTable({
      columns: [
        { header: 'name', value: (row: { name: string; runs: number }) => row.name },
        { header: 'runs', value: (row) => row.runs, alignRight: true },
      ],
      rows: [
        { name: 'hello', runs: 3 },
        { name: 'a-longer-name', runs: 120 },
      ],
    });
    expect(text.split('\n')).toEqual([
      'NAME           RUNS',
      'hello             3',
      'a-longer-name   120',
    ]);
  });

  test('shows a dash for empty cells and flattens newlines', () => {
    const text = renderTable({
      columns: [
        { header: 'a', value: (row: { a: string | null; b: string }) => row.a },
        { header: 'b', value: (row) => row.b },
      ],
      rows: [{ a: null, b: 'two\nlines' }],
    });
    expect(text.split('\n')[1]).toBe('-  two lines');
  });
});

describe('renderKeyValues', () => {
  test('aligns values after their labels', () => {
    expect(
      renderKeyValues([
        ['id', 'f1'],
        ['status', 'deployed'],
        ['url', undefined],
      ]),
    ).toBe(['id:      f1', 'status:  deployed', 'url:     -'].join('\n'));
  });
});

describe('command renderers', () => {
  test('the function list says how to deploy when it is empty', () => {
    expect(renderFunctionList({ functions: [], total: 0 })).toContain('dart_cloud deploy');
  });

  test('the function list says how many more functions come after the page', () => {
    const functions = [
      { id: 'f1', name: 'hello', status: 'deployed', created_at: '2025-01-01T00:00:00Z' },
    ];
    const text = renderFunctionList({ functions, total: 3 });
    expect(text.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED$/);
    expect(text).toContain('(2 more; pass --offset 1 to see them)');
  });

  test('the function list counts the functions after an offset page, not before it', () => {
    const row = { id: 'f', name: 'f', status: 'active', created_at: '2025-01-01T00:00:00Z' };
    expect(renderFunctionList({ functions: [row, row], total: 10, offset: 3 })).toContain(
      '(5 more; pass --offset 5 to see them)',
    );
    expect(renderFunctionList({ functions: [row, row], total: 5, offset: 3 })).not.toContain(
      'more',
    );
    expect(renderFunctionList({ functions: [], total: 5, offset: 7 })).toBe(
      'No functions past --offset 7; there are 5 in all.',
    );
  });

  test('metrics show the error rate as a percentage and missing durations as a dash', () => {
    const text = renderMetrics({
      period: '24h',
      invocations: 8,
      errors: 1,
      error_rate: 0.125,
      avg_duration_ms: 12.345,
      p95_duration_ms: null,
    });
    expect(text).toContain('error rate:    12.5%');
    expect(text).toContain('avg duration:  12.3 ms');
    expect(text).toContain('p95 duration:  -');
  });

  test('env variables render as sorted KEY=value lines', () => {
    expect(renderEnv({ B: '2', A: 'x=y' })).toBe('A=x=y\nB=2');
  });
});

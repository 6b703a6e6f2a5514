/** Renders service results as the JSON shapes of docs/rest-api.md (snake_case, ISO times). */
import type { ExecutionRow } from '../functions/executions.ts';
import type { FunctionDetails, FunctionRow } from '../functions/functions.ts';
import type { InvocationResult } from '../functions/invoke.ts';
import type { LogRow } from '../functions/logs.ts';
import type { FunctionMetrics } from '../functions/metrics.ts';
import type { ExecutionStatus } from '../runtime/types.ts';
import { toIso } from './request.ts';

const FAILURE_TITLES: Record<Exclude<ExecutionStatus, 'success'>, string> = {
  error: 'Function error',
  timeout: 'Function timed out',
  crashed: 'Function crashed',
  out_of_memory: 'Out of memory',
  invalid_response: 'Invalid response',
  response_too_large: 'Response too large',
  interrupted: 'Execution interrupted',
};

/** The public URL that invokes a function. */
export function renderFunctionUrl(origin: string, functionId: string): string {
  return `${origin}/functions/${functionId}`;
}

/** A function in a list. */
export function renderFunctionSummary(row: FunctionRow) {
  return { id: row.id, name: row.name, status: row.status, created_at: toIso(row.createdAt) };
}

/** A function's details. */
export function renderFunctionDetails(details: FunctionDetails, origin: string) {
  return {
    id: details.id,
    name: details.name,
    status: details.status,
    memory: details.memoryMb,
    timeout: details.timeoutSeconds,
    network: details.network,
    url: renderFunctionUrl(origin, details.id),
    version: details.version,
    contract: details.contract,
    created_at: toIso(details.createdAt),
    updated_at: toIso(details.updatedAt),
    last_build: details.lastBuild,
  };
}

/** An execution record. */
export function renderExecution(row: ExecutionRow) {
  return {
    id: row.id,
    function_id: row.functionId,
    status: row.status,
    started_at: toIso(row.startedAt),
    finished_at: toIso(row.finishedAt),
    duration_ms: row.durationMs,
    exit_code: row.exitCode,
    signal: row.signal,
    peak_memory_bytes: row.peakMemoryBytes,
    response_status: row.responseStatus,
    error: row.error,
    limits: row.limits ? (JSON.parse(row.limits) as unknown) : null,
  };
}

/** A log line. */
export function renderLog(row: LogRow) {
  return {
    id: row.id,
    timestamp: toIso(row.timestamp),
    execution_id: row.executionId,
    stream: row.stream,
    level: row.level,
    message: row.message,
    metadata: row.metadata ? (JSON.parse(row.metadata) as unknown) : null,
  };
}

/** Metrics over a period. */
export function renderMetrics(metrics: FunctionMetrics) {
  return {
    period: metrics.period,
    invocations: metrics.invocations,
    errors: metrics.errors,
    error_rate: metrics.errorRate,
    avg_duration_ms: metrics.avgDurationMs,
    p95_duration_ms: metrics.p95DurationMs,
  };
}

/** The invoke answer: 200 on success, 504 on a timeout, 502 on any other failure. */
export function renderInvocation(result: InvocationResult): {
  status: number;
  body: Record<string, unknown>;
} {
  const { executionId, outcome } = result;
  const base = {
    execution_id: executionId,
    status: outcome.status,
    duration_ms: Math.round(outcome.durationMs),
  };

  if (outcome.status === 'success' && outcome.response) {
    const response = outcome.response;
    return {
      status: 200,
      body: {
        ...base,
        result: decodeBody(response.body),
        response: { status_code: response.statusCode, headers: response.headers },
      },
    };
  }

  const status = outcome.status === 'success' ? 'invalid_response' : outcome.status;
  return {
    status: status === 'timeout' ? 504 : 502,
    body: {
      ...base,
      result: null,
      error: FAILURE_TITLES[status],
      details: outcome.error ?? 'The function ended without an answer',
    },
  };
}

/** A response body as parsed JSON when it is JSON, else as text. */
function decodeBody(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

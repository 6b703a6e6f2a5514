/** Decides an execution's status and its human message from what happened, as data. */
import { formatBytes, type CollectedOutput } from './execution-output.ts';
import { StopReason, type SandboxResult } from './sandbox/run.ts';
import type { Contract, ExecutionOutcome, ExecutionStatus } from './types.ts';

/** The limits an outcome's messages refer to. */
export interface OutcomeContext {
  contract: Contract;
  memoryMb: number;
  timeoutMs: number;
  responseCapBytes: number;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function decide(
  result: SandboxResult,
  output: CollectedOutput,
  context: OutcomeContext,
): [ExecutionStatus, string | null] {
  const { answer } = output;
  if (result.startError !== null) {
    return ['crashed', `The function program could not be started: ${result.startError}`];
  }
  if (result.stopReason === StopReason.interrupted) {
    return [
      'interrupted',
      'The server stopped while the function ran, so the execution was interrupted; invoke it again.',
    ];
  }
  if (answer.kind === 'response') return ['success', null];
  if (answer.kind === 'error') return ['error', `The function threw: ${answer.message}`];
  if (answer.kind === 'too-large') {
    return [
      'response_too_large',
      `The function's response was larger than the ${formatBytes(context.responseCapBytes)} cap and was dropped; return less data per request.`,
    ];
  }
  if (result.oomKilled) {
    return [
      'out_of_memory',
      `The function ran out of memory: it needed more than its ${context.memoryMb} MB limit and was stopped. Deploy it with a larger --memory, or make it use less.`,
    ];
  }
  if (result.stopReason === StopReason.timeout) {
    return [
      'timeout',
      `The function exceeded its ${formatSeconds(context.timeoutMs)} timeout and was stopped. Deploy it with a longer --timeout, or make it finish sooner.`,
    ];
  }
  if (answer.kind === 'invalid') {
    return [
      'invalid_response',
      `The function answered with ${answer.reason}, which the platform cannot use as a response.`,
    ];
  }
  if (result.signal !== null)
    return ['crashed', `The function was killed by ${result.signal} before it answered.`];
  if (result.exitCode !== 0)
    return ['crashed', `The function exited with code ${result.exitCode} before it answered.`];
  if (context.contract === 'script') {
    return [
      'error',
      'The script printed no JSON result: its last stdout line must be the JSON result.',
    ];
  }
  return ['crashed', 'The function exited with code 0 without answering.'];
}

/** Builds the outcome record of one execution. */
export function createOutcome(
  result: SandboxResult,
  output: CollectedOutput,
  context: OutcomeContext,
): ExecutionOutcome {
  const [status, error] = decide(result, output, context);
  return {
    status,
    response:
      status === 'success' && output.answer.kind === 'response' ? output.answer.response : null,
    error,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.stopReason === StopReason.timeout,
    oomKilled: result.oomKilled,
    durationMs: result.durationMs,
    peakMemoryBytes: result.peakMemoryBytes,
    logs: output.logs,
    logsTruncated: output.logsTruncated,
    limits: result.limits,
  };
}

/** The outcome of an execution that never started because the runtime is stopping. */
export function createInterruptedOutcome(limits: ExecutionOutcome['limits']): ExecutionOutcome {
  return {
    status: 'interrupted',
    response: null,
    error: 'The server is stopping and started no new execution; invoke the function again.',
    exitCode: null,
    signal: null,
    timedOut: false,
    oomKilled: false,
    durationMs: 0,
    peakMemoryBytes: null,
    logs: [],
    logsTruncated: false,
    limits,
  };
}

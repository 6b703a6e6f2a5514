/** Invocations: run the active program once, record the execution and its logs together. */
import { eq } from 'drizzle-orm';
import { ConflictError, DartCloudError } from '../core/errors.ts';
import { deployments, executions, logs } from '../db/schema.ts';
import type { Contract, ExecutionOutcome, FunctionRequest } from '../runtime/types.ts';
import type { ServiceContext } from './context.ts';
import { resolveExecutionEnv } from './env.ts';
import type { FunctionRow } from './functions.ts';
import { createId } from './ids.ts';

/** An invocation's outcome with the id it was recorded under. */
export interface InvocationResult {
  executionId: string;
  outcome: ExecutionOutcome;
}

/** Runs a function's active deployment with one request; throws ConflictError when none is built. */
export async function invokeFunction(
  ctx: ServiceContext,
  options: { function: FunctionRow; request: FunctionRequest },
): Promise<InvocationResult> {
  const fn = options.function;
  const deployment = fn.activeDeploymentId
    ? ctx.db.select().from(deployments).where(eq(deployments.id, fn.activeDeploymentId)).get()
    : undefined;
  if (!deployment?.executable || !deployment.contract) {
    throw new ConflictError(
      `Function ${fn.name} has no successful build yet; deploy it and try again`,
    );
  }

  const env = resolveExecutionEnv(ctx, fn.id);
  const executionId = createId('exe');
  ctx.db
    .insert(executions)
    .values({
      id: executionId,
      functionId: fn.id,
      deploymentId: deployment.id,
      status: 'running',
      startedAt: ctx.now(),
    })
    .run();

  let outcome: ExecutionOutcome;
  try {
    outcome = await ctx.runtime.execute({
      executionId,
      functionId: fn.id,
      functionName: fn.name,
      executable: deployment.executable,
      contract: deployment.contract as Contract,
      request: options.request,
      env,
      memoryMb: fn.memoryMb,
      timeoutMs: fn.timeoutSeconds * 1000,
      network: fn.network,
    });
  } catch (error) {
    // A refused invocation (busy, input too large) never ran: it leaves no record. Anything
    // else is the server's fault.
    if (error instanceof DartCloudError) {
      ctx.db.delete(executions).where(eq(executions.id, executionId)).run();
    } else {
      ctx.db
        .update(executions)
        .set({
          status: 'error',
          finishedAt: ctx.now(),
          error: 'The server failed to run the function',
        })
        .where(eq(executions.id, executionId))
        .run();
    }
    throw error;
  }

  recordOutcome(ctx, { functionId: fn.id, executionId, outcome });
  return { executionId, outcome };
}

/** Stores an execution's outcome and its log lines in one transaction. */
function recordOutcome(
  ctx: ServiceContext,
  options: { functionId: string; executionId: string; outcome: ExecutionOutcome },
): void {
  const { functionId, executionId, outcome } = options;
  ctx.db.transaction((tx) => {
    const updated = tx
      .update(executions)
      .set({
        status: outcome.status,
        finishedAt: ctx.now(),
        durationMs: Math.round(outcome.durationMs),
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        peakMemoryBytes: outcome.peakMemoryBytes,
        responseStatus: outcome.response?.statusCode ?? null,
        error: outcome.error,
        limits: JSON.stringify(outcome.limits),
      })
      .where(eq(executions.id, executionId))
      .returning({ id: executions.id })
      .all();
    // The function was deleted while it ran; its history went with it.
    if (updated.length === 0) return;

    // A truncated run's records already end with the runtime's marker line.
    for (const record of outcome.logs) {
      tx.insert(logs)
        .values({
          functionId,
          executionId,
          timestamp: record.timestamp,
          stream: record.stream,
          level: record.level,
          message: record.message,
          metadata: record.metadata ? JSON.stringify(record.metadata) : null,
        })
        .run();
    }
  });
}

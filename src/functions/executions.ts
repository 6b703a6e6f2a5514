/** Execution history of a function. */
import { and, count, desc, eq } from 'drizzle-orm';
import { NotFoundError } from '../core/errors.ts';
import { executions } from '../db/schema.ts';
import type { ServiceContext } from './context.ts';

/** An execution row. */
export type ExecutionRow = typeof executions.$inferSelect;

/** Lists a function's executions, newest first. */
export function listExecutions(
  ctx: ServiceContext,
  functionId: string,
  page: { limit: number; offset: number },
): { executions: ExecutionRow[]; total: number } {
  const rows = ctx.db
    .select()
    .from(executions)
    .where(eq(executions.functionId, functionId))
    .orderBy(desc(executions.startedAt), desc(executions.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
  const total =
    ctx.db
      .select({ n: count() })
      .from(executions)
      .where(eq(executions.functionId, functionId))
      .get()?.n ?? 0;
  return { executions: rows, total };
}

/** Finds one execution of a function. */
export function getExecution(
  ctx: ServiceContext,
  functionId: string,
  executionId: string,
): ExecutionRow {
  const row = ctx.db
    .select()
    .from(executions)
    .where(and(eq(executions.functionId, functionId), eq(executions.id, executionId)))
    .get();
  if (!row) throw new NotFoundError('Execution not found');
  return row;
}

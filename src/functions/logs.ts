/** Log lines of a function's executions: the newest page, or everything after a cursor. */
import { and, asc, desc, eq, gt, gte, type SQL } from 'drizzle-orm';
import { logs } from '../db/schema.ts';
import type { ServiceContext } from './context.ts';

/** A log row. */
export type LogRow = typeof logs.$inferSelect;

/** Which lines to read. */
export interface LogQuery {
  limit: number;
  /** Unix milliseconds: only lines at or after this time. */
  since?: number;
  /** A log id: only lines after it, oldest first (for following). */
  after?: number;
  executionId?: string;
}

/** Reads log lines oldest first, with the cursor to pass as `after` next time. */
export function queryLogs(
  ctx: ServiceContext,
  functionId: string,
  query: LogQuery,
): { logs: LogRow[]; cursor: number } {
  const filters: SQL[] = [eq(logs.functionId, functionId)];
  if (query.since !== undefined) filters.push(gte(logs.timestamp, query.since));
  if (query.after !== undefined) filters.push(gt(logs.id, query.after));
  if (query.executionId !== undefined) filters.push(eq(logs.executionId, query.executionId));

  const select = ctx.db
    .select()
    .from(logs)
    .where(and(...filters))
    .limit(query.limit);
  // Following reads forward from the cursor; otherwise the newest lines are wanted.
  const rows =
    query.after !== undefined
      ? select.orderBy(asc(logs.id)).all()
      : select.orderBy(desc(logs.id)).all().reverse();

  const cursor = rows.at(-1)?.id ?? query.after ?? 0;
  return { logs: rows, cursor };
}

/** How often a held query looks for new lines. */
const WAIT_POLL_MS = 200;

/**
 * Like queryLogs, but holds the answer until a line matches or `waitMs` passes (long polling, so
 * a follower makes one request per batch of lines rather than one a second). Ends early, with
 * what there is, when `signal` aborts.
 */
export async function waitForLogs(
  ctx: ServiceContext,
  functionId: string,
  query: LogQuery,
  options: { waitMs: number; signal?: AbortSignal },
): Promise<{ logs: LogRow[]; cursor: number }> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const result = queryLogs(ctx, functionId, query);
    if (result.logs.length > 0 || options.signal?.aborted) return result;
    const left = deadline - Date.now();
    if (left <= 0) return result;
    await Bun.sleep(Math.min(WAIT_POLL_MS, left));
  }
}

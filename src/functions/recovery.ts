/** Work a stopped or crashed server left unfinished, settled when the next one starts. */
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { deployments, executions, functions } from '../db/schema.ts';

/** What was settled. */
export interface Recovered {
  executions: number;
  deployments: number;
}

/**
 * Marks executions still `running` as `interrupted` and builds still `building` as `failed`;
 * a function whose first build never finished becomes `failed`.
 */
export function recoverUnfinishedWork(db: Db, now: number): Recovered {
  return db.transaction((tx) => {
    const stoppedExecutions = tx
      .update(executions)
      .set({
        status: 'interrupted',
        finishedAt: now,
        error: 'The server stopped while the function ran; invoke it again',
      })
      .where(eq(executions.status, 'running'))
      .returning({ id: executions.id })
      .all();
    const stoppedBuilds = tx
      .update(deployments)
      .set({ status: 'failed', buildLog: 'The server stopped during this build; deploy again' })
      .where(eq(deployments.status, 'building'))
      .returning({ id: deployments.id })
      .all();
    tx.update(functions)
      .set({ status: 'failed', updatedAt: now })
      .where(and(eq(functions.status, 'building'), isNull(functions.activeDeploymentId)))
      .run();
    return { executions: stoppedExecutions.length, deployments: stoppedBuilds.length };
  });
}

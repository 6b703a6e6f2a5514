/** Keeps a function's disk use bounded: only its newest deployments keep their files. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { desc, eq } from 'drizzle-orm';
import { deployments, functions } from '../db/schema.ts';
import type { ServiceContext } from './context.ts';
import { resolveFunctionDir } from './functions.ts';

/** How many deployments keep their upload, sources and program (the active one always does). */
export const KEPT_DEPLOYMENTS = 5;

/**
 * Removes the files and installed programs of all but the newest `keep` deployments and the
 * active one. Their rows stay, so versions and build logs remain visible.
 */
export async function pruneDeployments(
  ctx: ServiceContext,
  functionId: string,
  keep = KEPT_DEPLOYMENTS,
): Promise<number> {
  const fn = ctx.db.select().from(functions).where(eq(functions.id, functionId)).get();
  if (!fn) return 0;
  const rows = ctx.db
    .select({ id: deployments.id, executable: deployments.executable })
    .from(deployments)
    .where(eq(deployments.functionId, functionId))
    .orderBy(desc(deployments.version))
    .all();

  const stale = rows.slice(keep).filter((row) => row.id !== fn.activeDeploymentId);
  for (const row of stale) {
    if (row.executable !== null) {
      ctx.db.update(deployments).set({ executable: null }).where(eq(deployments.id, row.id)).run();
      await ctx.runtime.removeExecutable(row.id).catch((error: unknown) => {
        ctx.logger.warn(`Could not remove the program of deployment ${row.id}:`, error);
      });
    }
    await rm(join(resolveFunctionDir(ctx.dataDir, functionId), row.id), {
      recursive: true,
      force: true,
    });
  }
  return stale.length;
}

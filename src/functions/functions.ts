/** Functions of one account: lookup by id or name, listing, details and deletion. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { and, count, desc, eq, or } from 'drizzle-orm';
import { FunctionNotFoundError } from '../core/errors.ts';
import { deployments, functions } from '../db/schema.ts';
import { summarizeBuildOutput } from '../runtime/build.ts';
import type { Contract } from '../runtime/types.ts';
import type { ServiceContext } from './context.ts';

/** A function row. */
export type FunctionRow = typeof functions.$inferSelect;

/** A function with what its active deployment adds. */
export interface FunctionDetails extends FunctionRow {
  /** The version that serves, or null while none does. */
  version: number | null;
  contract: Contract | null;
  /** The newest deployment: its version, how its build went and, when it failed, why. */
  lastBuild: LastBuild | null;
}

/** The newest deployment's build. */
export interface LastBuild {
  version: number;
  /** `building`, `ready` or `failed`. */
  status: string;
  /** The toolchain's lines that say why the build failed; null unless it failed. */
  error: string | null;
}

/** Where a function's uploads, sources and builds live. */
export function resolveFunctionDir(dataDir: string, functionId: string): string {
  return join(dataDir, 'functions', functionId);
}

/** Finds the caller's function by id or by name; another account's answers not found. */
export function resolveFunction(
  ctx: ServiceContext,
  ownerId: string,
  idOrName: string,
): FunctionRow {
  const row = ctx.db
    .select()
    .from(functions)
    .where(
      and(
        eq(functions.ownerId, ownerId),
        or(eq(functions.id, idOrName), eq(functions.name, idOrName)),
      ),
    )
    .all()
    // An id match wins over a name that happens to look like an id.
    .sort((a, b) => Number(b.id === idOrName) - Number(a.id === idOrName))[0];
  if (!row) throw new FunctionNotFoundError();
  return row;
}

/** Lists the caller's functions, newest first. */
export function listFunctions(
  ctx: ServiceContext,
  ownerId: string,
  page: { limit: number; offset: number },
): { functions: FunctionRow[]; total: number } {
  const rows = ctx.db
    .select()
    .from(functions)
    .where(eq(functions.ownerId, ownerId))
    .orderBy(desc(functions.createdAt), desc(functions.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
  const total =
    ctx.db.select({ n: count() }).from(functions).where(eq(functions.ownerId, ownerId)).get()?.n ??
    0;
  return { functions: rows, total };
}

/** Adds the active deployment's version and contract to a function. */
export function describeFunction(ctx: ServiceContext, row: FunctionRow): FunctionDetails {
  const active = row.activeDeploymentId
    ? ctx.db.select().from(deployments).where(eq(deployments.id, row.activeDeploymentId)).get()
    : undefined;
  const newest = readLastBuildLog(ctx, row);
  return {
    ...row,
    version: active?.version ?? null,
    contract: (active?.contract as Contract | null) ?? null,
    lastBuild: newest
      ? {
          version: newest.version,
          status: newest.status,
          error: newest.status === 'failed' ? summarizeBuildOutput(newest.log) : null,
        }
      : null,
  };
}

/** The newest deployment's version, build status and whole build log; null before any. */
export function readLastBuildLog(
  ctx: ServiceContext,
  row: FunctionRow,
): { version: number; status: string; log: string } | null {
  const newest = ctx.db
    .select()
    .from(deployments)
    .where(eq(deployments.functionId, row.id))
    .orderBy(desc(deployments.version))
    .limit(1)
    .get();
  return newest ? { version: newest.version, status: newest.status, log: newest.buildLog } : null;
}

/** Deletes a function: its rows (deployments, env, executions and logs cascade), files and programs. */
export async function deleteFunction(ctx: ServiceContext, row: FunctionRow): Promise<void> {
  const deploymentIds = ctx.db
    .select({ id: deployments.id })
    .from(deployments)
    .where(eq(deployments.functionId, row.id))
    .all()
    .map((d) => d.id);

  ctx.db.delete(functions).where(eq(functions.id, row.id)).run();

  for (const id of deploymentIds) {
    await ctx.runtime.removeExecutable(id).catch((error: unknown) => {
      ctx.logger.warn(`Could not remove the program of deployment ${id}:`, error);
    });
  }
  await rm(resolveFunctionDir(ctx.dataDir, row.id), { recursive: true, force: true });
}

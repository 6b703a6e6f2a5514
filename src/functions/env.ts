/** A function's environment variables. */
import { and, asc, eq } from 'drizzle-orm';
import { NotFoundError } from '../core/errors.ts';
import { envVars, functions } from '../db/schema.ts';
import type { ServiceContext } from './context.ts';
import { parseEnvKey, parseEnvValue, parseObject } from './validate.ts';

/** All of a function's variables, sorted by name. */
export function listEnv(ctx: ServiceContext, functionId: string): Record<string, string> {
  const rows = ctx.db
    .select()
    .from(envVars)
    .where(eq(envVars.functionId, functionId))
    .orderBy(asc(envVars.key))
    .all();
  return Object.fromEntries(rows.map((row) => [row.key, row.value]));
}

/** One variable's value; NotFoundError when it is not set. */
export function getEnv(ctx: ServiceContext, functionId: string, key: string): string {
  const row = ctx.db
    .select()
    .from(envVars)
    .where(and(eq(envVars.functionId, functionId), eq(envVars.key, key)))
    .get();
  if (!row) throw new NotFoundError(`Environment variable ${key} is not set`);
  return row.value;
}

/** Sets one variable from a body `{"value": string}`; the next execution sees it. */
export function setEnv(
  ctx: ServiceContext,
  functionId: string,
  key: unknown,
  body: unknown,
): { key: string; value: string } {
  const name = parseEnvKey(key);
  const value = parseEnvValue(name, parseObject(body, 'the request body').value);
  const now = ctx.now();
  ctx.db.transaction((tx) => {
    tx.insert(envVars)
      .values({ functionId, key: name, value, updatedAt: now })
      .onConflictDoUpdate({
        target: [envVars.functionId, envVars.key],
        set: { value, updatedAt: now },
      })
      .run();
    tx.update(functions).set({ updatedAt: now }).where(eq(functions.id, functionId)).run();
  });
  return { key: name, value };
}

/** Removes one variable; NotFoundError when it is not set. */
export function deleteEnv(ctx: ServiceContext, functionId: string, key: string): void {
  const removed = ctx.db
    .delete(envVars)
    .where(and(eq(envVars.functionId, functionId), eq(envVars.key, key)))
    .returning()
    .all();
  if (removed.length === 0) throw new NotFoundError(`Environment variable ${key} is not set`);
}

/**
 * A function's environment variables. Values are sealed with the server's env key before they
 * reach the database and opened only to answer the owner or to build an execution's environment.
 */
import { and, asc, eq } from 'drizzle-orm';
import { NotFoundError } from '../core/errors.ts';
import { envVars, functions } from '../db/schema.ts';
import type { ServiceContext } from './context.ts';
import {
  checkEnvTotal,
  measureEnvEntry,
  parseEnvKey,
  parseEnvValue,
  parseFields,
} from './validate.ts';

const SET_FIELDS = { what: 'the request body', allowed: ['value'] } as const;

/** All of a function's variables, sorted by name, decrypted. */
export function listEnv(ctx: ServiceContext, functionId: string): Record<string, string> {
  const rows = ctx.db
    .select()
    .from(envVars)
    .where(eq(envVars.functionId, functionId))
    .orderBy(asc(envVars.key))
    .all();
  return Object.fromEntries(
    rows.map((row) => [row.key, ctx.envCipher.open(row.value, { functionId, key: row.key })]),
  );
}

/** The variables an execution of the function gets, decrypted. */
export function resolveExecutionEnv(
  ctx: ServiceContext,
  functionId: string,
): Record<string, string> {
  return listEnv(ctx, functionId);
}

/** One variable's value; NotFoundError when it is not set. */
export function getEnv(ctx: ServiceContext, functionId: string, key: string): string {
  const row = ctx.db
    .select()
    .from(envVars)
    .where(and(eq(envVars.functionId, functionId), eq(envVars.key, key)))
    .get();
  if (!row) throw new NotFoundError(`Environment variable ${key} is not set`);
  return ctx.envCipher.open(row.value, { functionId, key });
}

/** Sets one variable from a body `{"value": string}`; the next execution sees it. */
export function setEnv(
  ctx: ServiceContext,
  functionId: string,
  key: unknown,
  body: unknown,
): { key: string; value: string } {
  const name = parseEnvKey(key);
  const value = parseEnvValue(name, parseFields(body, SET_FIELDS).value);
  checkEnvTotal({ [name]: value }, measureStoredEnv(ctx, functionId, [name]));
  const sealed = ctx.envCipher.seal(value, { functionId, key: name });
  const now = ctx.now();
  ctx.db.transaction((tx) => {
    tx.insert(envVars)
      .values({ functionId, key: name, value: sealed, updatedAt: now })
      .onConflictDoUpdate({
        target: [envVars.functionId, envVars.key],
        set: { value: sealed, updatedAt: now },
      })
      .run();
    tx.update(functions).set({ updatedAt: now }).where(eq(functions.id, functionId)).run();
  });
  return { key: name, value };
}

/**
 * The environment bytes a function's stored variables take, except `without` (those about to be
 * replaced); measured without decrypting, so a value sealed under another key still counts.
 */
export function measureStoredEnv(
  ctx: ServiceContext,
  functionId: string,
  without: readonly string[],
): number {
  const rows = ctx.db.select().from(envVars).where(eq(envVars.functionId, functionId)).all();
  return rows
    .filter((row) => !without.includes(row.key))
    .reduce((sum, row) => sum + measureEnvEntry(row.key, ctx.envCipher.measure(row.value)), 0);
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

/**
 * Start-up migration: seals every value an earlier version stored in plaintext, in place.
 * Answers how many it sealed and how many sealed values do not open with this key.
 */
export function sealStoredEnv(ctx: Pick<ServiceContext, 'db' | 'envCipher'>): {
  sealed: number;
  unreadable: number;
} {
  const { db, envCipher } = ctx;
  let sealed = 0;
  let unreadable = 0;
  db.transaction((tx) => {
    for (const row of tx.select().from(envVars).all()) {
      const owner = { functionId: row.functionId, key: row.key };
      if (envCipher.isSealed(row.value)) {
        try {
          envCipher.open(row.value, owner);
        } catch {
          // Sealed under another key, most likely: sealing it again would lose it for good.
          unreadable++;
        }
        continue;
      }
      tx.update(envVars)
        .set({ value: envCipher.seal(row.value, owner) })
        .where(and(eq(envVars.functionId, row.functionId), eq(envVars.key, row.key)))
        .run();
      sealed++;
    }
  });
  // The plaintext pages now live on only in the write-ahead log: fold it into the database.
  if (sealed > 0) db.$client.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  return { sealed, unreadable };
}

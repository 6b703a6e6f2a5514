/**
 * API keys of an account: create (the key is answered once), list, revoke, and the checks that
 * turn a presented key into its row. Only a hash of each secret is stored.
 */
import { and, count, desc, eq, isNull, lt, or } from 'drizzle-orm';
import {
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../core/errors.ts';
import { apiKeys } from '../db/schema.ts';
import {
  createBearerSecret,
  deriveSigningSecret,
  digestsEqual,
  hashSecret,
  parseApiKey,
  renderApiKey,
} from './api-key-secrets.ts';
import type { ServiceContext } from './context.ts';
import { createId } from './ids.ts';
import { describeValue, parseFields } from './validate.ts';

/** What a key may do: `invoke` runs functions only; `full` is what a login token may do. */
export const API_KEY_SCOPES = ['invoke', 'full'] as const;

/** One of `API_KEY_SCOPES`. */
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A key's row. */
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Keys an account may hold at once (revoked ones do not count). */
export const MAX_API_KEYS_PER_ACCOUNT = 100;

const MAX_LIFETIME_SECONDS = 10 * 366 * 24 * 60 * 60;
const FIELDS = ['name', 'scope', 'expires_in', 'signed'] as const;
// Recording every use would write on every request; once a minute is precise enough to list.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Creates a key for `ownerId` from a request body; answers its row and the key, shown once. */
export function createApiKey(
  ctx: ServiceContext,
  options: { ownerId: string; input: unknown; signingMaster: Uint8Array },
): { row: ApiKeyRow; key: string } {
  const input = parseApiKeyInput(options.input);
  const id = createId('key');
  const secret = input.signed
    ? deriveSigningSecret({ master: options.signingMaster, id })
    : createBearerSecret();
  const now = ctx.now();
  const row: ApiKeyRow = {
    id,
    ownerId: options.ownerId,
    name: input.name,
    scope: input.scope,
    signed: input.signed,
    secretHash: hashSecret(secret),
    createdAt: now,
    expiresAt: input.expiresInSeconds === null ? null : now + input.expiresInSeconds * 1000,
    lastUsedAt: null,
    revokedAt: null,
  };

  ctx.db.transaction((tx) => {
    const held =
      tx
        .select({ n: count() })
        .from(apiKeys)
        .where(and(eq(apiKeys.ownerId, options.ownerId), isNull(apiKeys.revokedAt)))
        .get()?.n ?? 0;
    if (held >= MAX_API_KEYS_PER_ACCOUNT) {
      throw new ConflictError(
        `This account already holds ${MAX_API_KEYS_PER_ACCOUNT} API keys; revoke unused ones with DELETE /api/keys/:id first`,
      );
    }
    tx.insert(apiKeys).values(row).run();
  });
  return { row, key: renderApiKey({ id, secret }) };
}

/** The account's keys, revoked ones included, newest first. */
export function listApiKeys(ctx: ServiceContext, ownerId: string): ApiKeyRow[] {
  return ctx.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.ownerId, ownerId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .all();
}

/** Revokes one of the account's keys (again is fine); another account's key is not found. */
export function revokeApiKey(
  ctx: ServiceContext,
  options: { ownerId: string; id: string },
): ApiKeyRow {
  const row = ctx.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, options.id), eq(apiKeys.ownerId, options.ownerId)))
    .get();
  if (!row) throw new NotFoundError('API key not found');
  if (row.revokedAt !== null) return row;

  const revokedAt = ctx.now();
  ctx.db.update(apiKeys).set({ revokedAt }).where(eq(apiKeys.id, row.id)).run();
  return { ...row, revokedAt };
}

/**
 * Checks a key presented as a bearer token: well-formed, known, its secret's hash matching in
 * constant time, not revoked, not expired, and not a signed key. Throws UnauthorizedError.
 */
export function verifyBearerKey(ctx: ServiceContext, text: string): ApiKeyRow {
  const parts = parseApiKey(text);
  if (!parts) throw new UnauthorizedError('Invalid API key: expected dck_key_<id>_<secret>');
  const row = findKeyRow(ctx, parts.id);
  if (!row || !digestsEqual(hashSecret(parts.secret), row.secretHash)) {
    throw new UnauthorizedError('Invalid API key');
  }
  ensureUsable(ctx, row);
  if (row.signed) {
    throw new UnauthorizedError(
      'This API key signs requests and is not accepted as a bearer token: send X-DartCloud-Key, X-DartCloud-Timestamp and X-DartCloud-Signature instead',
    );
  }
  recordUse(ctx, row);
  return row;
}

/**
 * Finds the signed key a signed request names and answers its secret, recomputed from the
 * signing master; a row whose hash no longer matches (the master changed) is refused.
 */
export function resolveSigningKey(
  ctx: ServiceContext,
  options: { id: string; signingMaster: Uint8Array },
): { row: ApiKeyRow; secret: string } {
  const row = findKeyRow(ctx, options.id);
  if (!row || !row.signed) {
    throw new UnauthorizedError('Invalid API key: no signed key has this id');
  }
  const secret = deriveSigningSecret({ master: options.signingMaster, id: row.id });
  if (!digestsEqual(hashSecret(secret), row.secretHash)) {
    throw new UnauthorizedError('Invalid API key: it was made with another server secret');
  }
  ensureUsable(ctx, row);
  return { row, secret };
}

/** Notes that a key was used, at most once per minute. */
export function recordUse(ctx: ServiceContext, row: ApiKeyRow): void {
  const now = ctx.now();
  ctx.db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, row.id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_RESOLUTION_MS)),
      ),
    )
    .run();
}

function findKeyRow(ctx: ServiceContext, id: string): ApiKeyRow | undefined {
  return ctx.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
}

function ensureUsable(ctx: ServiceContext, row: ApiKeyRow): void {
  if (row.revokedAt !== null) {
    throw new UnauthorizedError(
      `API key revoked at ${new Date(row.revokedAt).toISOString()}; create a new one`,
    );
  }
  if (row.expiresAt !== null && row.expiresAt <= ctx.now()) {
    throw new UnauthorizedError(
      `API key expired at ${new Date(row.expiresAt).toISOString()}; create a new one`,
    );
  }
}

interface ApiKeyInput {
  name: string | null;
  scope: ApiKeyScope;
  expiresInSeconds: number | null;
  signed: boolean;
}

/** Checks `{"name"?, "scope"?, "expires_in"?, "signed"?}`. */
function parseApiKeyInput(value: unknown): ApiKeyInput {
  const body = parseFields(value, { what: 'the request body', allowed: FIELDS });

  const signed = body.signed ?? false;
  if (typeof signed !== 'boolean') {
    throw new ValidationError(`Expected signed to be true or false, got ${describeValue(signed)}`);
  }
  const scope = body.scope ?? 'invoke';
  if (!API_KEY_SCOPES.includes(scope as ApiKeyScope)) {
    throw new ValidationError(`Expected scope to be invoke or full, got ${describeValue(scope)}`);
  }
  if (signed && scope !== 'invoke') {
    throw new ValidationError(
      'A signed key can only invoke functions: leave scope out or set it to invoke',
    );
  }
  return {
    name: parseKeyName(body.name),
    scope: scope as ApiKeyScope,
    expiresInSeconds: parseLifetime(body.expires_in),
    signed,
  };
}

function parseKeyName(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  // Printable and single-line, so that it renders safely in tables and logs.
  if (typeof value !== 'string' || !/^[^\p{C}]{1,64}$/u.test(value)) {
    throw new ValidationError(
      `Expected name to be 1 to 64 printable characters, got ${describeValue(value)}`,
    );
  }
  return value;
}

function parseLifetime(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_LIFETIME_SECONDS
  ) {
    throw new ValidationError(
      `Expected expires_in to be whole seconds from 1 to ${MAX_LIFETIME_SECONDS} (10 years), got ${describeValue(value)}`,
    );
  }
  return value;
}

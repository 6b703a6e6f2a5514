/** Renders API keys as docs/rest-api.md shows them: never the secret, nor its hash. */
import type { ApiKeyRow } from '../functions/api-keys.ts';
import { toIso } from './request.ts';

/** A key's state at `now`: `active`, `expired` or `revoked`. */
export function resolveKeyStatus(row: ApiKeyRow, now: number): 'active' | 'expired' | 'revoked' {
  if (row.revokedAt !== null) return 'revoked';
  if (row.expiresAt !== null && row.expiresAt <= now) return 'expired';
  return 'active';
}

/** A key in a list or a create answer, without its secret. */
export function renderApiKey(row: ApiKeyRow, now: number) {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    signed: row.signed,
    status: resolveKeyStatus(row, now),
    created_at: toIso(row.createdAt),
    expires_at: toIso(row.expiresAt),
    last_used_at: toIso(row.lastUsedAt),
    revoked_at: toIso(row.revokedAt),
  };
}

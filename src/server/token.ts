/**
 * Session tokens: compact JWTs signed with HMAC-SHA256 (HS256) and nothing else. Verification
 * reads the header itself, so a token naming another algorithm (`none`, HS512, RS256, ...) is
 * refused before any key is used, and tells an expired token apart from an invalid one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a session token carries. */
export interface TokenClaims {
  /** The account id. */
  sub: string;
  /** The token id, the handle logout revokes. */
  jti: string;
  /** Expiry, Unix seconds. */
  exp: number;
  /** Issue time, Unix seconds. */
  iat: number;
}

/** The outcome of checking a token: its claims, or why it was refused. */
export type TokenCheck =
  { ok: true; claims: TokenClaims } | { ok: false; reason: 'invalid' | 'expired' };

const HEADER = encodeJson({ alg: 'HS256', typ: 'JWT' });
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 32;

/** Signs claims into a token with the server's secret. */
export function signToken(options: { secret: string; claims: TokenClaims }): string {
  const signingInput = `${HEADER}.${encodeJson(options.claims)}`;
  return `${signingInput}.${sign(options.secret, signingInput)}`;
}

/**
 * Checks a token: three base64url segments, a header whose `alg` is exactly HS256, a signature
 * made with `secret`, then the claims. Only a token whose signature holds can be `expired`.
 */
export function verifyToken(options: { secret: string; token: string; now: number }): TokenCheck {
  const invalid: TokenCheck = { ok: false, reason: 'invalid' };
  const parts = options.token.split('.');
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) return invalid;
  const [header, payload, signature] = parts as [string, string, string];

  const fields = decodeJson(header);
  if (!fields || fields.alg !== 'HS256') return invalid;
  if (fields.typ !== undefined && fields.typ !== 'JWT') return invalid;
  // A critical extension we do not implement must not be ignored (RFC 7515, section 4.1.11).
  if (fields.crit !== undefined) return invalid;

  const given = Buffer.from(signature, 'base64url');
  const expected = Buffer.from(sign(options.secret, `${header}.${payload}`), 'base64url');
  if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) return invalid;

  const claims = parseClaims(decodeJson(payload));
  if (!claims) return invalid;
  if (claims.exp * 1000 <= options.now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function parseClaims(value: Record<string, unknown> | null): TokenClaims | null {
  if (!value) return null;
  const { sub, jti, exp, iat } = value;
  if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || jti === '') return null;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
  const issued = typeof iat === 'number' && Number.isFinite(iat) ? iat : 0;
  return { sub, jti, exp, iat: issued };
}

function sign(secret: string, input: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

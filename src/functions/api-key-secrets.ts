/**
 * The text of an API key and the cryptography behind it: `dck_<key id>_<secret>`, where the key
 * id finds the row and the secret proves possession. Pure functions, no database.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What every API key starts with, so that auth tells a key from a login token at a glance. */
export const API_KEY_PREFIX = 'dck_';

const KEY_TEXT = /^dck_(key_[0-9a-f]{24})_([0-9a-f]{64})$/;
const SIGNING_LABEL = 'dart_cloud signed API key v1';

/** A key split into its id and its secret. */
export interface ApiKeyParts {
  id: string;
  secret: string;
}

/** Joins an id and a secret into the key a user keeps. */
export function renderApiKey(parts: ApiKeyParts): string {
  return `${API_KEY_PREFIX}${parts.id}_${parts.secret}`;
}

/** Splits a key into id and secret, or answers null when it is not a well-formed key. */
export function parseApiKey(text: string): ApiKeyParts | null {
  const match = KEY_TEXT.exec(text);
  return match?.[1] && match[2] ? { id: match[1], secret: match[2] } : null;
}

/** A new secret for a bearer key: 256 random bits as 64 hex digits. */
export function createBearerSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The secret of a signed key, derived from the server's signing master and the key id (an HMAC
 * used as a key-derivation function). The server can recompute it to check a signature, so it
 * is never stored; deleting the server's secret file invalidates every signed key with it.
 */
export function deriveSigningSecret(options: { master: Uint8Array; id: string }): string {
  return createHmac('sha256', options.master)
    .update(`${SIGNING_LABEL}\0${options.id}`)
    .digest('hex');
}

/** The signing master: a sub-key of the server secret, so that no key serves two purposes. */
export function deriveSigningMaster(serverSecret: string): Uint8Array {
  return createHmac('sha256', serverSecret).update(`${SIGNING_LABEL} master`).digest();
}

/**
 * What the database keeps of a secret. A plain SHA-256 suffices: the secret is 256 random bits,
 * so there is no dictionary to try and a slow password hash would only slow every request.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The HMAC-SHA256 a signed request carries, over `<timestamp>.<body bytes>`, in hex. */
export function signRequestBody(options: {
  secret: string;
  timestamp: string;
  body: Uint8Array;
}): string {
  return createHmac('sha256', options.secret)
    .update(`${options.timestamp}.`)
    .update(options.body)
    .digest('hex');
}

/** Compares two hex digests in constant time (false when their lengths differ). */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

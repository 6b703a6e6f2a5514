/**
 * Signed requests: a signed API key's holder sends its id, a Unix timestamp and an HMAC-SHA256
 * over `<timestamp>.<body bytes>` instead of a bearer secret. A signature is good within
 * `SIGNATURE_WINDOW_SECONDS` of the server's clock, and once: accepted ones are remembered in
 * the database until they leave the window, so a replay is refused even after a restart.
 */
import { lt } from 'drizzle-orm';
import { UnauthorizedError } from '../core/errors.ts';
import { usedSignatures } from '../db/schema.ts';
import { digestsEqual, signRequestBody } from './api-key-secrets.ts';
import { recordUse, resolveSigningKey, type ApiKeyRow } from './api-keys.ts';
import type { ServiceContext } from './context.ts';

/** How far a signed request's timestamp may be from the server's clock, either way. */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** The headers of a signed request (lower case, as HTTP headers are compared). */
export const SignatureHeaders = {
  key: 'x-dartcloud-key',
  timestamp: 'x-dartcloud-timestamp',
  signature: 'x-dartcloud-signature',
} as const;

/** The three headers as they came (absent ones undefined). */
export interface SignatureFields {
  key: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

const KEY_ID = /^key_[0-9a-f]{24}$/;
const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/** Whether a request carries any of the signature headers (and so asks to be checked as one). */
export function isSignedRequest(fields: SignatureFields): boolean {
  return (
    fields.key !== undefined || fields.timestamp !== undefined || fields.signature !== undefined
  );
}

/**
 * Checks a signed request against its exact body bytes and answers the key that signed it.
 * Throws UnauthorizedError saying which part failed: a header, the window, the key, the
 * signature, or a replay. The body is read only once the headers and the key have passed.
 */
export async function verifySignedRequest(
  ctx: ServiceContext,
  options: {
    fields: SignatureFields;
    readBody: () => Promise<Uint8Array>;
    signingMaster: Uint8Array;
  },
): Promise<ApiKeyRow> {
  const { key, timestamp, signature } = readFields(options.fields);

  const skew = Math.abs(ctx.now() / 1000 - Number(timestamp));
  if (skew > SIGNATURE_WINDOW_SECONDS) {
    throw new UnauthorizedError(
      `The signature's timestamp ${timestamp} is ${Math.round(skew)} s from the server's clock, outside the window of ${SIGNATURE_WINDOW_SECONDS} s; sign with the current Unix time in seconds`,
    );
  }

  const { row, secret } = resolveSigningKey(ctx, {
    id: key,
    signingMaster: options.signingMaster,
  });
  const expected = signRequestBody({ secret, timestamp, body: await options.readBody() });
  if (!digestsEqual(expected, signature)) {
    throw new UnauthorizedError(
      'The signature does not match: sign "<timestamp>.<exact body bytes>" with HMAC-SHA256 and the key\'s secret',
    );
  }

  rememberSignature(ctx, { signature, timestamp: Number(timestamp) });
  recordUse(ctx, row);
  return row;
}

function readFields(fields: SignatureFields): {
  key: string;
  timestamp: string;
  signature: string;
} {
  const { key, timestamp, signature } = fields;
  if (key === undefined || timestamp === undefined || signature === undefined) {
    const missing = (Object.keys(SignatureHeaders) as (keyof SignatureFields)[])
      .filter((name) => fields[name] === undefined)
      .map((name) => SignatureHeaders[name]);
    throw new UnauthorizedError(
      `A signed request needs all of X-DartCloud-Key, X-DartCloud-Timestamp and X-DartCloud-Signature; missing ${missing.join(', ')}`,
    );
  }
  if (!KEY_ID.test(key)) {
    throw new UnauthorizedError(
      'Expected X-DartCloud-Key to be a key id such as key_3f9c2a1b7d4e5f60a1b2c3d4',
    );
  }
  if (!TIMESTAMP.test(timestamp)) {
    throw new UnauthorizedError('Expected X-DartCloud-Timestamp to be Unix time in whole seconds');
  }
  const digest = SIGNATURE.exec(signature.toLowerCase())?.[1];
  if (!digest) {
    throw new UnauthorizedError('Expected X-DartCloud-Signature to be sha256=<64 hex digits>');
  }
  return { key, timestamp, signature: digest };
}

/** Records a signature once; throws when it was seen before, within the window. */
function rememberSignature(
  ctx: ServiceContext,
  options: { signature: string; timestamp: number },
): void {
  const now = ctx.now();
  // Past the window a signature is refused by its timestamp, so its row can go.
  const expiresAt = (options.timestamp + SIGNATURE_WINDOW_SECONDS) * 1000 + 1000;
  const inserted = ctx.db.transaction((tx) => {
    tx.delete(usedSignatures).where(lt(usedSignatures.expiresAt, now)).run();
    return tx
      .insert(usedSignatures)
      .values({ signature: options.signature, expiresAt })
      .onConflictDoNothing()
      .returning({ signature: usedSignatures.signature })
      .all();
  });
  if (inserted.length === 0) {
    throw new UnauthorizedError(
      'This signature was already used: every request needs its own timestamp and signature',
    );
  }
}

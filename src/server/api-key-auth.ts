/**
 * The API-key side of auth: a `dck_` bearer key, a signed request, and what each credential may
 * reach. `auth.ts` calls these; the checks themselves live in `src/functions/`.
 */
import { ForbiddenError, UnauthorizedError } from '../core/errors.ts';
import { findAccount, type Account } from '../functions/accounts.ts';
import { verifyBearerKey, type ApiKeyRow, type ApiKeyScope } from '../functions/api-keys.ts';
import type { ServiceContext } from '../functions/context.ts';
import {
  SignatureHeaders,
  verifySignedRequest,
  type SignatureFields,
} from '../functions/signed-requests.ts';
import { BodyLimits, readBytes } from './request.ts';

/**
 * What a route accepts: `true`, a login token or a full-scope key; `'invoke'`, also
 * invoke-scoped keys and signed requests; `'login'`, a login token only.
 */
export type AuthLevel = true | 'invoke' | 'login';

/** The credential a request authenticated with. */
export type Credential =
  | { kind: 'token'; jti: string; /** Unix milliseconds. */ expiresAt: number }
  | { kind: 'api_key'; id: string; scope: ApiKeyScope; signed: boolean };

/** An API key's side of `Credential`. */
export type ApiKeyCredential = Extract<Credential, { kind: 'api_key' }>;

/** An account and the key that proved it. */
export interface KeyIdentity {
  user: Account;
  credential: ApiKeyCredential;
}

/** The signature headers of a request, as they came. */
export function readSignatureFields(headers: Record<string, string | undefined>): SignatureFields {
  return {
    key: headers[SignatureHeaders.key],
    timestamp: headers[SignatureHeaders.timestamp],
    signature: headers[SignatureHeaders.signature],
  };
}

/** Authenticates a `dck_` bearer key; throws UnauthorizedError. */
export function resolveBearerKey(services: ServiceContext, text: string): KeyIdentity {
  return toIdentity(services, verifyBearerKey(services, text));
}

/**
 * Authenticates a signed request. The body is read from a clone, so the route still reads the
 * original; it is capped like an invoke body, and read only once the headers and key passed.
 */
export async function resolveSignedRequest(
  services: ServiceContext,
  options: { request: Request; fields: SignatureFields; signingMaster: Uint8Array },
): Promise<KeyIdentity> {
  const row = await verifySignedRequest(services, {
    fields: options.fields,
    // Bun's lib types `clone()` with undici's Request; at run time it is Bun's own.
    readBody: () => readBytes(options.request.clone() as Request, BodyLimits.invoke),
    signingMaster: options.signingMaster,
  });
  return toIdentity(services, row);
}

/** Throws ForbiddenError when the credential may not reach a route of `level`. */
export function checkAuthLevel(credential: Credential, level: AuthLevel): void {
  if (credential.kind === 'token' || level === 'invoke') return;
  if (level === 'login') {
    throw new ForbiddenError(
      'Only a login token may do this, not an API key: log in with `dart_cloud login` (keys are managed, and accounts logged out or deleted, with a login token)',
    );
  }
  if (credential.scope !== 'full') {
    throw new ForbiddenError(
      'This API key has scope invoke: it may only invoke functions (POST /api/functions/:id/invoke and function URLs); use a full-scope key or a login token for this',
    );
  }
}

/** The 401 for signature headers on a route that takes no signed requests. */
export function signedRequestNotAccepted(): UnauthorizedError {
  return new UnauthorizedError(
    'Signed requests are accepted only by POST /api/functions/:id/invoke and function URLs; send Authorization: Bearer <token> here',
  );
}

function toIdentity(services: ServiceContext, row: ApiKeyRow): KeyIdentity {
  const user = findAccount(services, row.ownerId);
  if (!user) throw new UnauthorizedError('Invalid API key');
  return {
    user,
    credential: {
      kind: 'api_key',
      id: row.id,
      scope: row.scope === 'full' ? 'full' : 'invoke',
      signed: row.signed,
    },
  };
}

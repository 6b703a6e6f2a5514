/**
 * Sessions: HS256 JWTs (src/server/token.ts) that expire and carry a `jti`, so that logout can
 * revoke one; API keys (`dck_…` bearer tokens, or signed requests; src/server/api-key-auth.ts).
 * Routes opt in with `{ auth: <level> }` (see `AuthLevel`) and get `session`; every such request
 * counts against its principal's rate limits, and every refused credential against the client
 * address's.
 */
import { randomUUID } from 'node:crypto';
import { Elysia } from 'elysia';
import { UnauthorizedError } from '../core/errors.ts';
import { findAccount, isTokenRevoked, type Account } from '../functions/accounts.ts';
import { API_KEY_PREFIX, deriveSigningMaster } from '../functions/api-key-secrets.ts';
import type { ServiceContext } from '../functions/context.ts';
import { isSignedRequest } from '../functions/signed-requests.ts';
import {
  checkAuthLevel,
  readSignatureFields,
  resolveBearerKey,
  resolveSignedRequest,
  signedRequestNotAccepted,
  type AuthLevel,
  type Credential,
  type KeyIdentity,
} from './api-key-auth.ts';
import type { ConnectionInfo } from './client-address.ts';
import type { HeaderSink, RequestLimits } from './request-limits.ts';
import { signToken, verifyToken } from './token.ts';

/** How long a token stays valid. */
export const TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/** The `details` of each refusal, so a client can tell expired from invalid. */
export const AuthFailure = {
  missing: 'Missing bearer token: log in and send Authorization: Bearer <token>',
  malformed: 'Expected the Authorization header to be Bearer <token>',
  invalid: 'Invalid token; log in again',
  expired: 'Token expired; log in again',
  revoked: 'Token revoked (logged out); log in again',
  deleted: 'Invalid token: its account no longer exists',
} as const;

export type { AuthLevel, Credential } from './api-key-auth.ts';

/** The caller of an authenticated route. */
export interface Session {
  user: Account;
  /** Whom the rate limits count: the account id for a token, the key id for an API key. */
  principalId: string;
  credential: Credential;
}

/** Issues tokens for accounts. */
export interface TokenIssuer {
  issue(user: Account): { token: string; jti: string; expiresAt: number };
}

/** The auth plugin: the `tokens` issuer and the `auth` macro that resolves `session`. */
export function createAuthPlugin(options: {
  services: ServiceContext;
  secret: string;
  limits: RequestLimits;
}) {
  const { services, secret, limits } = options;
  const signingMaster = deriveSigningMaster(secret);
  const tokens: TokenIssuer = {
    issue(user) {
      const iat = Math.floor(services.now() / 1000);
      const claims = { sub: user.id, jti: randomUUID(), iat, exp: iat + TOKEN_LIFETIME_SECONDS };
      const token = signToken({ secret, claims });
      return { token, jti: claims.jti, expiresAt: claims.exp * 1000 };
    },
  };

  const authenticate = async (options: {
    headers: Record<string, string | undefined>;
    request: Request;
    level: AuthLevel;
  }): Promise<Session> => {
    const { authorization } = options.headers;
    if (!authorization) {
      const fields = readSignatureFields(options.headers);
      if (!isSignedRequest(fields)) throw new UnauthorizedError(AuthFailure.missing);
      if (options.level !== 'invoke') throw signedRequestNotAccepted();
      const { request } = options;
      return toKeySession(await resolveSignedRequest(services, { request, fields, signingMaster }));
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw new UnauthorizedError(AuthFailure.malformed);
    if (match[1].startsWith(API_KEY_PREFIX)) {
      return toKeySession(resolveBearerKey(services, match[1]));
    }
    return verifyLoginToken(match[1]);
  };

  const verifyLoginToken = (token: string): Session => {
    const check = verifyToken({ secret, token, now: services.now() });
    if (!check.ok) throw new UnauthorizedError(AuthFailure[check.reason]);
    const { claims } = check;
    if (isTokenRevoked(services, claims.jti)) throw new UnauthorizedError(AuthFailure.revoked);
    const user = findAccount(services, claims.sub);
    if (!user) throw new UnauthorizedError(AuthFailure.deleted);
    const credential: Credential = {
      kind: 'token',
      jti: claims.jti,
      expiresAt: claims.exp * 1000,
    };
    return { user, principalId: user.id, credential };
  };

  return new Elysia({ name: 'dart-cloud-auth' })
    .decorate('tokens', tokens)
    .decorate('signingMaster', signingMaster)
    .macro({
      auth: (level: AuthLevel) => ({
        async resolve(context): Promise<{ session: Session }> {
          const { headers, request, set } = context;
          const server = context.server as ConnectionInfo | null;
          let session: Session;
          try {
            session = await authenticate({ headers, request, level });
          } catch (error) {
            // Refused credentials count against the address, so guessing them is limited too.
            limits.countAddress({ request, server, set: set as HeaderSink });
            throw error;
          }
          limits.countPrincipal(session.principalId, set as HeaderSink);
          checkAuthLevel(session.credential, level);
          return { session };
        },
      }),
    });
}

/** The auth plugin's type, for route modules that use it. */
export type AuthPlugin = ReturnType<typeof createAuthPlugin>;

function toKeySession(identity: KeyIdentity): Session {
  // A key counts on its own, so a busy CI key does not starve its account's other clients.
  const { user, credential } = identity;
  return { user, principalId: credential.id, credential };
}

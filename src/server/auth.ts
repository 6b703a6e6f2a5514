/**
 * Bearer-token sessions: HS256 JWTs from @elysiajs/jwt that expire and carry a `jti`, so that
 * logout can revoke one. Routes opt in with `{ auth: true }` and get `session`.
 */
import { jwt } from '@elysiajs/jwt';
import { Elysia } from 'elysia';
import { UnauthorizedError } from '../core/errors.ts';
import { findAccount, isTokenRevoked, type Account } from '../functions/accounts.ts';
import type { ServiceContext } from '../functions/context.ts';

/** How long a token stays valid. */
export const TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/** The caller of an authenticated route. */
export interface Session {
  user: Account;
  jti: string;
  /** Unix milliseconds. */
  expiresAt: number;
}

/** The auth plugin: the `jwt` signer and the `auth` macro that resolves `session`. */
export function createAuthPlugin(options: { services: ServiceContext; secret: string }) {
  const { services } = options;
  return new Elysia({ name: 'dart-cloud-auth' })
    .use(jwt({ name: 'jwt', secret: options.secret, alg: 'HS256' }))
    .macro({
      auth: {
        async resolve({ headers, jwt }): Promise<{ session: Session }> {
          const header = headers.authorization;
          if (!header)
            throw new UnauthorizedError(
              'Missing bearer token: log in and send Authorization: Bearer <token>',
            );
          const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
          if (!match?.[1])
            throw new UnauthorizedError('Expected the Authorization header to be Bearer <token>');

          const payload = await jwt.verify(match[1], { algorithms: ['HS256'] });
          if (
            !payload ||
            typeof payload.sub !== 'string' ||
            typeof payload.jti !== 'string' ||
            !payload.exp
          ) {
            throw new UnauthorizedError();
          }
          if (isTokenRevoked(services, payload.jti)) throw new UnauthorizedError();
          const user = findAccount(services, payload.sub);
          if (!user) throw new UnauthorizedError();
          return { session: { user, jti: payload.jti, expiresAt: payload.exp * 1000 } };
        },
      },
    });
}

/** The auth plugin's type, for route modules that use it. */
export type AuthPlugin = ReturnType<typeof createAuthPlugin>;

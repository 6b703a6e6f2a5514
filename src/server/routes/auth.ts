/** Accounts and sessions: register, login, logout, me. */
import { randomUUID } from 'node:crypto';
import type { Server } from 'bun';
import { Elysia } from 'elysia';
import {
  authenticate,
  registerAccount,
  revokeToken,
  type Account,
} from '../../functions/accounts.ts';
import { TOKEN_LIFETIME_SECONDS } from '../auth.ts';
import { createRateLimiter, DEFAULT_RATE_LIMITS } from '../rate-limit.ts';
import { readJson } from '../request.ts';
import type { RouteDeps } from '../route-deps.ts';

/** Auth routes. */
export function createAuthRoutes(deps: RouteDeps) {
  const { services } = deps;
  const limit = createRateLimiter({
    limits: deps.rateLimits ?? DEFAULT_RATE_LIMITS,
    now: services.now,
  });
  // Password guessing is the abuse to stop here; the seed's limits apply per client address.
  const limitByAddress = (context: { request: Request; server: Server<unknown> | null }): void => {
    limit(context.server?.requestIP(context.request)?.address ?? 'local');
  };

  return new Elysia({ prefix: '/api/auth' })
    .use(deps.auth)
    .resolve(({ jwt }) => ({
      issueToken: (user: Account): Promise<string> =>
        jwt.sign({
          sub: user.id,
          jti: randomUUID(),
          exp: Math.floor(services.now() / 1000) + TOKEN_LIFETIME_SECONDS,
        }),
    }))
    .post(
      '/register',
      async ({ request, issueToken, set }) => {
        const user = await registerAccount(services, await readJson(request));
        set.status = 201;
        return { token: await issueToken(user), user };
      },
      { parse: 'none', beforeHandle: limitByAddress },
    )
    .post(
      '/login',
      async ({ request, issueToken }) => {
        const user = await authenticate(services, await readJson(request));
        return { token: await issueToken(user), user };
      },
      { parse: 'none', beforeHandle: limitByAddress },
    )
    .post(
      '/logout',
      ({ session }) => {
        revokeToken(services, { jti: session.jti, expiresAt: session.expiresAt });
        return { status: 'logged_out' };
      },
      { auth: true, parse: 'none' },
    )
    .get('/me', ({ session }) => ({ user: session.user }), { auth: true });
}

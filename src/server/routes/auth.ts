/** Accounts and sessions: register, login, logout, me, and deleting the account. */
import { Elysia } from 'elysia';
import { UnauthorizedError } from '../../core/errors.ts';
import {
  authenticate,
  deleteAccount,
  registerAccount,
  revokeToken,
  type Account,
} from '../../functions/accounts.ts';
import { parseEmail, parseObject } from '../../functions/validate.ts';
import type { Session } from '../auth.ts';
import type { ConnectionInfo } from '../client-address.ts';
import type { HeaderSink } from '../request-limits.ts';
import { readJson } from '../request.ts';
import type { RouteDeps } from '../route-deps.ts';

/** Auth routes. */
export function createAuthRoutes(deps: RouteDeps) {
  const { services, limits, loginGuard } = deps;
  // Unauthenticated, so counted per client address.
  const byAddress = (context: {
    request: Request;
    server: ConnectionInfo | null;
    set: unknown;
  }): void => limits.countAddress({ ...context, set: context.set as HeaderSink });

  // Logout and account deletion take a login token only (`auth: 'login'`), never an API key.
  const revokeSessionToken = ({ credential }: Session): void => {
    if (credential.kind === 'token') {
      revokeToken(services, { jti: credential.jti, expiresAt: credential.expiresAt });
    }
  };

  return new Elysia({ prefix: '/api/auth' })
    .use(deps.auth)
    .resolve(({ tokens }) => ({
      answerToken: (user: Account) => ({ token: tokens.issue(user).token, user }),
    }))
    .post(
      '/register',
      async ({ request, answerToken, set }) => {
        const user = await registerAccount(services, await readJson(request));
        set.status = 201;
        return answerToken(user);
      },
      { parse: 'none', beforeHandle: byAddress },
    )
    .post(
      '/login',
      async ({ request, server, answerToken }) => {
        const input = await readJson(request);
        const attempt = {
          email: parseEmail(parseObject(input, 'the request body').email),
          address: limits.resolveAddress(request, server),
        };
        loginGuard.check(attempt);
        try {
          const user = await authenticate(services, input);
          loginGuard.recordSuccess(attempt);
          return answerToken(user);
        } catch (error) {
          if (error instanceof UnauthorizedError) loginGuard.recordFailure(attempt);
          throw error;
        }
      },
      { parse: 'none', beforeHandle: byAddress },
    )
    .post(
      '/logout',
      ({ session }) => {
        revokeSessionToken(session);
        return { status: 'logged_out' };
      },
      { auth: 'login', parse: 'none' },
    )
    .get('/me', ({ session }) => ({ user: session.user }), { auth: true })
    .delete(
      '/account',
      async ({ session, request }) => {
        // Its tokens, this one included, name an account that is gone: each answers 401.
        await deleteAccount(services, { userId: session.user.id, input: await readJson(request) });
        return { id: session.user.id, status: 'deleted' };
      },
      { auth: 'login', parse: 'none' },
    );
}

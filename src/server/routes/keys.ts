/** API keys: create (the key is in this answer only), list, revoke. Login tokens only. */
import { Elysia } from 'elysia';
import { createApiKey, listApiKeys, revokeApiKey } from '../../functions/api-keys.ts';
import { renderApiKey } from '../present-keys.ts';
import { readJson } from '../request.ts';
import type { RouteDeps } from '../route-deps.ts';

/** Key routes. */
export function createKeyRoutes(deps: RouteDeps) {
  const { services } = deps;
  return new Elysia({ prefix: '/api/keys' })
    .use(deps.auth)
    .post(
      '/',
      async ({ request, session, set, signingMaster }) => {
        const created = createApiKey(services, {
          ownerId: session.user.id,
          input: await readJson(request, { fallback: {} }),
          signingMaster,
        });
        set.status = 201;
        set.headers['cache-control'] = 'no-store';
        return { ...renderApiKey(created.row, services.now()), key: created.key };
      },
      { auth: 'login', parse: 'none' },
    )
    .get(
      '/',
      ({ session }) => ({
        keys: listApiKeys(services, session.user.id).map((row) =>
          renderApiKey(row, services.now()),
        ),
      }),
      { auth: 'login' },
    )
    .delete(
      '/:key_id',
      ({ params, session }) => {
        const row = revokeApiKey(services, { ownerId: session.user.id, id: params.key_id });
        return { id: row.id, status: 'revoked' };
      },
      { auth: 'login', parse: 'none' },
    );
}

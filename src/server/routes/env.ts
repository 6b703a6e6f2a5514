/** A function's environment variables. */
import { Elysia } from 'elysia';
import { deleteEnv, getEnv, listEnv, setEnv } from '../../functions/env.ts';
import { resolveFunction } from '../../functions/functions.ts';
import { readJson } from '../request.ts';
import type { RouteDeps } from '../route-deps.ts';

/** Env routes. */
export function createEnvRoutes(deps: RouteDeps) {
  const { services } = deps;
  return new Elysia({ prefix: '/api/functions/:id/env' })
    .use(deps.auth)
    .get(
      '/',
      ({ params, session }) => ({
        env: listEnv(services, resolveFunction(services, session.user.id, params.id).id),
      }),
      {
        auth: true,
      },
    )
    .get(
      '/:key',
      ({ params, session }) => {
        const fn = resolveFunction(services, session.user.id, params.id);
        return { key: params.key, value: getEnv(services, fn.id, params.key) };
      },
      { auth: true },
    )
    .put(
      '/:key',
      async ({ params, session, request }) => {
        const fn = resolveFunction(services, session.user.id, params.id);
        return setEnv(services, fn.id, params.key, await readJson(request));
      },
      { auth: true, parse: 'none' },
    )
    .delete(
      '/:key',
      ({ params, session }) => {
        const fn = resolveFunction(services, session.user.id, params.id);
        deleteEnv(services, fn.id, params.key);
        return { key: params.key, status: 'deleted' };
      },
      { auth: true, parse: 'none' },
    );
}

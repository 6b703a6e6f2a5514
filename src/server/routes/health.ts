/** `GET /api/health`: liveness and version, without auth (limited per client address). */
import { Elysia } from 'elysia';
import type { ConnectionInfo } from '../client-address.ts';
import type { HeaderSink } from '../request-limits.ts';
import type { RouteDeps } from '../route-deps.ts';

/** Health routes. */
export function createHealthRoutes(deps: RouteDeps) {
  return new Elysia().get('/api/health', () => ({ status: 'ok', version: deps.version }), {
    beforeHandle: ({ request, server, set }) =>
      deps.limits.countAddress({
        request,
        server: server as ConnectionInfo | null,
        set: set as HeaderSink,
      }),
  });
}

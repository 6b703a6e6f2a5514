/** `GET /api/health`: liveness and version, without auth. */
import { Elysia } from 'elysia';
import type { RouteDeps } from '../route-deps.ts';

/** Health routes. */
export function createHealthRoutes(deps: RouteDeps) {
  return new Elysia().get('/api/health', () => ({ status: 'ok', version: deps.version }));
}

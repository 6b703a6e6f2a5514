/** What every route module is built from. */
import type { ServiceContext } from '../functions/context.ts';
import type { AuthPlugin } from './auth.ts';
import type { RateLimits } from './rate-limit.ts';

/** The services and the auth plugin a route module needs. */
export interface RouteDeps {
  services: ServiceContext;
  auth: AuthPlugin;
  version: string;
  /** Limits on login and register per client address; the seed's when absent. */
  rateLimits?: RateLimits;
}

/** The origin (scheme, host and port) the caller used to reach the server. */
export function resolveOrigin(request: Request): string {
  return new URL(request.url).origin;
}

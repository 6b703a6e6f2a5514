/** What every route module is built from. */
import type { ServiceContext } from '../functions/context.ts';
import type { AuthPlugin } from './auth.ts';
import type { LoginGuard } from './login-guard.ts';
import type { RequestLimits } from './request-limits.ts';

/** The services and the auth plugin a route module needs. */
export interface RouteDeps {
  services: ServiceContext;
  auth: AuthPlugin;
  version: string;
  /** Request limits per principal and per client address. */
  limits: RequestLimits;
  /** Failed logins per email and per address. */
  loginGuard: LoginGuard;
}

/**
 * The origin (scheme, host and port) the caller used to reach the server; behind a reverse
 * proxy, the one its `X-Forwarded-Proto` and `X-Forwarded-Host` name.
 */
export function resolveOrigin(request: Request): string {
  const url = new URL(request.url);
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const scheme = proto === 'https' || proto === 'http' ? proto : url.protocol.slice(0, -1);
  return `${scheme}://${host && /^[A-Za-z0-9.:\-[\]]+$/.test(host) ? host : url.host}`;
}

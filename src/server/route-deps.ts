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
  /** Whether the `X-Forwarded-*` headers come from a reverse proxy and may be believed. */
  trustProxy: boolean;
}

/** The listening server's own address, as Bun's `server.url` gives it. */
export interface ListeningServer {
  url: URL;
}

// A server bound to every interface has no one address a caller can use; the Host header names
// the one this caller used.
const WILDCARD_HOSTS = new Set(['0.0.0.0', '[::]']);

/**
 * The origin (scheme, host and port) function URLs are built on. Behind a reverse proxy
 * (`trustProxy`), the one its `X-Forwarded-Proto` and `X-Forwarded-Host` name; otherwise the
 * server's own listening address, since any client may send those headers.
 */
export function resolveOrigin(options: {
  request: Request;
  server: ListeningServer | null | undefined;
  trustProxy: boolean;
}): string {
  const { request, server } = options;
  const own = server && !WILDCARD_HOSTS.has(server.url.hostname) ? server.url : null;
  const url = own ?? new URL(request.url);
  if (!options.trustProxy) return url.origin;

  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const scheme = proto === 'https' || proto === 'http' ? proto : url.protocol.slice(0, -1);
  return `${scheme}://${host && /^[A-Za-z0-9.:\-[\]]+$/.test(host) ? host : url.host}`;
}

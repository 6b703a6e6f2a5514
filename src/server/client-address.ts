/** Which address a request came from, for limits per client. */
import { isIP } from 'node:net';

/** What Bun's server tells about a connection. */
export interface ConnectionInfo {
  requestIP(request: Request): { address: string } | null;
}

/**
 * The client's address: the connection's peer, or behind a proxy (`trustProxy`) the last
 * address in `X-Forwarded-For`, the one the proxy itself appended. Anything a client can put in
 * the header is ignored unless the server was told it runs behind a proxy.
 */
export function resolveClientAddress(options: {
  request: Request;
  server: ConnectionInfo | null;
  trustProxy: boolean;
}): string {
  const peer = options.server?.requestIP(options.request)?.address ?? 'local';
  if (!options.trustProxy) return peer;
  const forwarded = options.request.headers.get('x-forwarded-for');
  const last = forwarded?.split(',').at(-1)?.trim();
  return last && isIP(last) ? last : peer;
}

/**
 * The request limits the routes apply: per principal (an account, or an API key as its own
 * principal) on authenticated routes, per client address on the rest and on refused
 * credentials. Every counted answer carries the RateLimit headers; one over a limit is a 429.
 */
import { TooManyRequestsError } from '../core/errors.ts';
import { resolveClientAddress, type ConnectionInfo } from './client-address.ts';
import {
  createRateLimiter,
  renderRateLimitHeaders,
  type RateLimitDecision,
  type RateLimits,
} from './rate-limit.ts';

/** Where a route's answer headers go (Elysia's `set`). */
export interface HeaderSink {
  headers: Record<string, string | number>;
}

/** What a route hands over to be counted by address. */
export interface AddressContext {
  request: Request;
  server: ConnectionInfo | null;
  set: HeaderSink;
}

/** The limits of one app. */
export interface RequestLimits {
  /** Counts a request of an authenticated principal; throws TooManyRequestsError over a limit. */
  countPrincipal(principalId: string, set: HeaderSink): void;
  /** Counts a request by its client address; throws TooManyRequestsError over a limit. */
  countAddress(context: AddressContext): void;
  /** The client address as the limits see it (`X-Forwarded-For` only behind a proxy). */
  resolveAddress(request: Request, server: ConnectionInfo | null): string;
}

/** Creates the limits; both kinds use the same numbers, each with its own counters. */
export function createRequestLimits(options: {
  limits: RateLimits;
  trustProxy: boolean;
  now?: () => number;
}): RequestLimits {
  const limiterOptions = { limits: options.limits, ...(options.now ? { now: options.now } : {}) };
  const principals = createRateLimiter(limiterOptions);
  const addresses = createRateLimiter(limiterOptions);
  const resolveAddress = (request: Request, server: ConnectionInfo | null): string =>
    resolveClientAddress({ request, server, trustProxy: options.trustProxy });

  return {
    countPrincipal(principalId, set) {
      apply(principals.consume(principalId), set, 'for this account or key');
    },
    countAddress({ request, server, set }) {
      apply(addresses.consume(resolveAddress(request, server)), set, 'from this address');
    },
    resolveAddress,
  };
}

function apply(decision: RateLimitDecision, set: HeaderSink, whose: string): void {
  Object.assign(set.headers, renderRateLimitHeaders(decision));
  if (decision.allowed) return;
  const limits = decision.windows
    .filter((window) => window.remaining === 0)
    .map((window) => `${window.limit} a ${window.name}`)
    .join(' and ');
  throw new TooManyRequestsError(
    `Too many requests ${whose} (the limit is ${limits}); retry in ${decision.retryAfterSeconds} s`,
    decision.retryAfterSeconds,
  );
}

/**
 * Fixed-window request limits per key (per minute and per hour), kept in memory, and the
 * RateLimit header fields that tell a client where it stands.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 */

/** Allowed requests per window; 0 turns a window off. */
export interface RateLimits {
  perMinute: number;
  perHour: number;
}

/** The seed's limits. */
export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 60, perHour: 1000 };

/** Where one key stands in one window after a request. */
export interface WindowState {
  /** The policy name in the headers: `minute` or `hour`. */
  name: string;
  limit: number;
  /** Seconds. */
  windowSeconds: number;
  remaining: number;
  /** Seconds until the window starts again. */
  resetSeconds: number;
}

/** The verdict on one request. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds to wait when refused, else 0. */
  retryAfterSeconds: number;
  /** The windows that are on; empty when limits are off. */
  windows: WindowState[];
}

/** Counts requests per key. */
export interface RateLimiter {
  /** Counts a request under `key` unless a window is full; a refused request is not counted. */
  consume(key: string): RateLimitDecision;
}

interface Window {
  name: string;
  size: number;
  max: number;
  counts: Map<string, { start: number; n: number }>;
  prunedAt: number;
}

/** Creates a limiter; `now` is replaceable in tests. */
export function createRateLimiter(options: {
  limits: RateLimits;
  now?: () => number;
}): RateLimiter {
  const now = options.now ?? Date.now;
  const windows: Window[] = [
    { name: 'minute', size: 60_000, max: options.limits.perMinute },
    { name: 'hour', size: 3_600_000, max: options.limits.perHour },
  ]
    .map((window) => ({ ...window, counts: new Map(), prunedAt: 0 }))
    .filter((window) => window.max > 0);

  return {
    consume(key) {
      const time = now();
      const entries = windows.map((window) => ({ window, entry: currentEntry(window, key, time) }));
      const full = entries.filter(({ window, entry }) => entry.n >= window.max);
      if (full.length === 0) for (const { entry } of entries) entry.n += 1;

      const states = entries.map(({ window, entry }) => ({
        name: window.name,
        limit: window.max,
        windowSeconds: window.size / 1000,
        remaining: Math.max(0, window.max - entry.n),
        resetSeconds: secondsLeft(window, entry, time),
      }));
      // Refused: the wait is until every full window has started again.
      const retryAfterSeconds = Math.max(
        0,
        ...full.map(({ window, entry }) => secondsLeft(window, entry, time)),
      );
      return { allowed: full.length === 0, retryAfterSeconds, windows: states };
    },
  };
}

function secondsLeft(window: Window, entry: { start: number }, time: number): number {
  return Math.max(1, Math.ceil((entry.start + window.size - time) / 1000));
}

function currentEntry(window: Window, key: string, time: number): { start: number; n: number } {
  const entry = window.counts.get(key);
  if (entry && time - entry.start < window.size) return entry;
  // Dropping every expired entry now and then keeps the map bounded by the active keys; at most
  // once a second, so that a flood of new keys does not make each request scan them all.
  if (window.counts.size > 10_000 && time - window.prunedAt >= 1000) {
    window.prunedAt = time;
    for (const [other, old] of window.counts) {
      if (time - old.start >= window.size) window.counts.delete(other);
    }
  }
  const fresh = { start: time, n: 0 };
  window.counts.set(key, fresh);
  return fresh;
}

/**
 * The header fields for a decision: the current draft's `RateLimit-Policy` and `RateLimit`,
 * plus the earlier drafts' `RateLimit-Limit`, `-Remaining` and `-Reset` (for the window closest
 * to running out), which many clients still read.
 */
export function renderRateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  if (decision.windows.length === 0) return {};
  const tightest = decision.windows.reduce((a, b) =>
    b.remaining < a.remaining || (b.remaining === a.remaining && b.resetSeconds > a.resetSeconds)
      ? b
      : a,
  );
  return {
    'ratelimit-policy': decision.windows
      .map((w) => `"${w.name}";q=${w.limit};w=${w.windowSeconds}`)
      .join(', '),
    ratelimit: decision.windows
      .map((w) => `"${w.name}";r=${w.remaining};t=${w.resetSeconds}`)
      .join(', '),
    'ratelimit-limit': String(tightest.limit),
    'ratelimit-remaining': String(tightest.remaining),
    'ratelimit-reset': String(tightest.resetSeconds),
  };
}

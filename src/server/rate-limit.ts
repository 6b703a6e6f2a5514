/** Fixed-window request limits per key (per minute and per hour), kept in memory. */
import { TooManyRequestsError } from '../core/errors.ts';

/** Allowed requests per window. */
export interface RateLimits {
  perMinute: number;
  perHour: number;
}

/** The seed's limits. */
export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 60, perHour: 1000 };

/** Counts a request under `key`; throws TooManyRequestsError with the wait once over a limit. */
export type RateLimiter = (key: string) => void;

/** Creates a limiter; `now` is replaceable in tests. */
export function createRateLimiter(options: {
  limits: RateLimits;
  now?: () => number;
}): RateLimiter {
  const now = options.now ?? Date.now;
  const windows = [
    {
      size: 60_000,
      max: options.limits.perMinute,
      counts: new Map<string, { start: number; n: number }>(),
    },
    {
      size: 3_600_000,
      max: options.limits.perHour,
      counts: new Map<string, { start: number; n: number }>(),
    },
  ];

  return (key) => {
    const time = now();
    for (const window of windows) {
      const entry = window.counts.get(key);
      if (!entry || time - entry.start >= window.size) {
        // Dropping every expired entry now and then keeps the maps bounded by active keys.
        if (window.counts.size > 10_000) prune(window.counts, time, window.size);
        window.counts.set(key, { start: time, n: 1 });
        continue;
      }
      if (entry.n >= window.max) {
        const wait = Math.ceil((entry.start + window.size - time) / 1000);
        throw new TooManyRequestsError(
          `Too many requests from this address; retry in ${wait} s`,
          wait,
        );
      }
      entry.n += 1;
    }
  };
}

function prune(counts: Map<string, { start: number }>, time: number, size: number): void {
  for (const [key, entry] of counts) if (time - entry.start >= size) counts.delete(key);
}

/**
 * Password guessing: failed logins are counted per email and per client address over a sliding
 * window; once either has its maximum, logins for it answer 429 until the oldest failure ages out.
 * Unknown emails count the same as known ones, so the 429 says nothing about which exist.
 */
import { TooManyRequestsError } from '../core/errors.ts';

/** How many failures are allowed within how long. */
export interface LoginFailureLimits {
  maxFailures: number;
  windowMs: number;
}

/** Five failures per 15 minutes, per email and per address. */
export const DEFAULT_LOGIN_FAILURE_LIMITS: LoginFailureLimits = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
};

/** What one login attempt is counted under. */
export interface LoginAttempt {
  email: string;
  address: string;
}

/** Checks and records login attempts. */
export interface LoginGuard {
  /** Throws TooManyRequestsError while the email or the address has its maximum of failures. */
  check(attempt: LoginAttempt): void;
  recordFailure(attempt: LoginAttempt): void;
  /** A right password clears the email's failures (not the address's). */
  recordSuccess(attempt: LoginAttempt): void;
}

/** Creates a guard; `now` is replaceable in tests. */
export function createLoginGuard(
  options: { limits?: LoginFailureLimits; now?: () => number } = {},
): LoginGuard {
  const { maxFailures, windowMs } = options.limits ?? DEFAULT_LOGIN_FAILURE_LIMITS;
  const now = options.now ?? Date.now;
  const failures = new Map<string, number[]>();
  let prunedAt = 0;
  const keys = (attempt: LoginAttempt): string[] => [
    `email:${attempt.email}`,
    `address:${attempt.address}`,
  ];
  const recent = (key: string, time: number): number[] => {
    const times = (failures.get(key) ?? []).filter((t) => time - t < windowMs);
    if (times.length === 0) failures.delete(key);
    else failures.set(key, times);
    return times;
  };

  return {
    check(attempt) {
      if (maxFailures <= 0) return;
      const time = now();
      const waits = keys(attempt)
        .map((key) => recent(key, time))
        .filter((times) => times.length >= maxFailures)
        .map((times) => (times[times.length - maxFailures] ?? time) + windowMs - time);
      if (waits.length === 0) return;
      const seconds = Math.max(1, Math.ceil(Math.max(...waits) / 1000));
      throw new TooManyRequestsError(
        `Too many failed logins for this email or from this address; retry in ${seconds} s`,
        seconds,
      );
    },
    recordFailure(attempt) {
      if (maxFailures <= 0) return;
      const time = now();
      // Forgetting aged-out failures keeps the map bounded; at most once a second.
      if (failures.size > 10_000 && time - prunedAt >= 1000) {
        prunedAt = time;
        for (const key of failures.keys()) recent(key, time);
      }
      for (const key of keys(attempt)) {
        const times = recent(key, time);
        // Only the newest `maxFailures` decide when logins open again.
        failures.set(key, [...times, time].slice(-maxFailures));
      }
    },
    recordSuccess(attempt) {
      failures.delete(`email:${attempt.email}`);
    },
  };
}

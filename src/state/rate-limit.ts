// The rate-limit seam: attempt counters in fixed windows, shared by every node (login guessing,
// README "Security"). Memory and Redis implementations sit beside this file, held to one contract
// (test/state/rate-limit.contract.ts). What is counted and what the limits are is the caller's
// (src/http/login-limits.ts); this only counts.

export interface RateCount {
  /** Attempts in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends and the count starts again from zero. */
  resetMs: number;
}

export interface RateLimitStore {
  /** Counts one attempt under `key`; the window (of `windowMs`) starts with the first attempt. Atomic across nodes. */
  hit(key: string, windowMs: number): Promise<RateCount>;
  /** Takes one attempt back (it turned out not to count, e.g. a login that succeeded); never below zero. */
  undo(key: string): Promise<void>;
}

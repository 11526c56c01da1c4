// Attempt counters in this process (one node; several managers of one test share one table).
import type { RateCount, RateLimitStore } from './rate-limit.js';

export class MemoryRateLimit implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; until: number }>();
  private sweeps = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number): Promise<RateCount> {
    const now = this.now();
    // Forget lapsed windows now and then, so that a stream of one-off keys cannot grow the map for ever.
    if (++this.sweeps % 1000 === 0) for (const [k, w] of this.windows) if (w.until <= now) this.windows.delete(k);
    let w = this.windows.get(key);
    if (!w || w.until <= now) {
      w = { count: 0, until: now + windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return { count: w.count, resetMs: w.until - now };
  }

  async undo(key: string): Promise<void> {
    const w = this.windows.get(key);
    if (w && w.until > this.now() && w.count > 0) w.count--;
  }
}

// Attempt counters in Redis: one key per counter, INCR and PEXPIRE in one script (atomic, so that
// concurrent guesses on several nodes are all counted and the window is set exactly once).
import { guarded, type RedisClient } from './redis.js';
import { keys } from './redis-keys.js';
import type { RateCount, RateLimitStore } from './rate-limit.js';

// A key left without a lifetime (it cannot happen through this script, but a counter must never
// become permanent) gets the window again.
const HIT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

const UNDO = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

export class RedisRateLimit implements RateLimitStore {
  constructor(private readonly redis: RedisClient) {}

  hit(key: string, windowMs: number): Promise<RateCount> {
    return guarded(async () => {
      // The HIT script returns { count, pttl } (above); ioredis types eval's answer as unknown.
      const [count, resetMs] = (await this.redis.eval(HIT, 1, keys.rateLimit(key), String(windowMs))) as [number, number];
      return { count, resetMs };
    });
  }

  undo(key: string): Promise<void> {
    return guarded(async () => void (await this.redis.eval(UNDO, 1, keys.rateLimit(key))));
  }
}

// The Redis side of createState() (src/state/index.ts), in a module of its own so that a single node
// (no REDIS_URL) never loads ioredis.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { RedisBus } from './bus-redis.js';
import { RedisEventLog } from './event-log-redis.js';
import type { State, StateConfig } from './index.js';
import { RedisOwnership } from './ownership-redis.js';
import { RedisRateLimit } from './rate-limit-redis.js';
import { connectRedis, RedisTrust, type StateLogger } from './redis.js';
import { PubSub } from './redis-pubsub.js';
import { RedisSessionStore } from './session-store-redis.js';
import { RedisWebhookStore } from './webhook-store-redis.js';

/** `logBounds`: the event log's limits, computed by index.ts (a type-only import back: no module cycle). */
export async function redisState(
  config: StateConfig & { redisUrl: string },
  logger: StateLogger,
  logBounds: { maxEvents: number; maxAgeMs: number },
): Promise<State> {
  const nodeId = config.nodeId || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const redis = await connectRedis(config.redisUrl, logger, 'commands');
  let sub;
  try {
    sub = await connectRedis(config.redisUrl, logger, 'subscriber');
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const close = async () => {
    await Promise.all([redis.quit().catch(() => redis.disconnect()), sub.quit().catch(() => sub.disconnect())]);
  };
  try {
    const trust = new RedisTrust(redis, config.leaseMs);
    await trust.trusted();
    const pubsub = new PubSub(sub);
    const bus = new RedisBus(redis, pubsub, nodeId);
    await bus.ready;
    return {
      nodeId,
      store: new RedisSessionStore(redis, trust),
      log: new RedisEventLog(redis, pubsub, logBounds),
      ownership: new RedisOwnership(redis, trust, nodeId, {
        leaseMs: config.leaseMs,
        renewMs: Math.max(250, Math.floor(config.leaseMs / 3)),
        takeover: (config.sessionKey ?? '') !== '',
      }),
      bus,
      rateLimits: new RedisRateLimit(redis),
      webhooks: new RedisWebhookStore(redis, pubsub, trust, nodeId, config.sessionKey || undefined),
      ready: () => redis.status === 'ready' && sub.status === 'ready',
      ping: async () => {
        const start = performance.now();
        await redis.ping();
        return (performance.now() - start) / 1000;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

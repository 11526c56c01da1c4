// Redis connections for multi-node mode: one for commands and one for pub/sub per node, whatever the
// number of sessions. REDIS_URL names one server, or several (comma-separated) for a Redis Cluster.
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

const common: RedisOptions = {
  // Fail fast while Redis is away: requests answer 503 instead of queueing without bound.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 100, 2000),
  lazyConnect: false,
};

export function parseRedisUrl(url: string): { cluster: boolean; nodes: Array<{ host: string; port: number }>; first: string } {
  const list = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const nodes = list.map((u) => {
    const parsed = new URL(u.includes('://') ? u : `redis://${u}`);
    return { host: parsed.hostname, port: Number(parsed.port || 6379) };
  });
  return { cluster: list.length > 1, nodes, first: list[0] ?? '' };
}

export function createRedis(url: string): RedisClient {
  const { cluster, nodes, first } = parseRedisUrl(url);
  if (cluster) {
    return new Cluster(nodes, {
      enableOfflineQueue: false,
      redisOptions: common,
      clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
    });
  }
  return new Redis(first.includes('://') ? first : `redis://${first}`, common);
}

/** An error that means "Redis cannot be reached now" (as opposed to a bug): answered with 503. */
export function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string } | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ClusterAllFailedError') return true;
  if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE') return true;
  return /enableOfflineQueue|Connection is closed|Stream isn't writeable|connect ECONNREFUSED/i.test(e.message ?? '');
}

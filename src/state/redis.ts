// Redis for multi-node mode: the connections (one for commands and one for pub/sub per node, whatever
// the number of sessions), their readiness, and the one place that turns a Redis failure into a
// GatewayError (503 `service-unavailable`, type `wait`: the HTTP layer adds Retry-After). REDIS_URL
// names one server, or several (comma-separated) for a Redis Cluster.
import { randomBytes } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { errors, GatewayError } from '../errors.js';
import { keys } from './redis-keys.js';

export type RedisClient = Redis | Cluster;

/** What the state layer logs through (pino's and fastify's loggers fit). */
export interface StateLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const common: RedisOptions = {
  // Fail fast while Redis is away: requests answer 503 instead of queueing without bound.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 5000,
  lazyConnect: false,
};

/**
 * At start: how many failed connection attempts (100 ms apart, then 200 ms, …: 2.8 s in all), and how
 * long, before giving up with one error. Three attempts (0.3 s) were too few for a Redis Cluster whose
 * nodes had just agreed on their slots on a loaded machine: the node gave up with "no connection".
 */
const START_ATTEMPTS = 8;
const START_TIMEOUT_MS = 10000;

export function parseRedisUrl(url: string): { cluster: boolean; nodes: Array<{ host: string; port: number }>; first: string } {
  const list = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const nodes = list.map((u) => {
    const parsed = new URL(u.includes('://') ? u : `redis://${u}`);
    return { host: parsed.hostname, port: Number(parsed.port || 6379) };
  });
  const first = list[0] ?? '';
  return { cluster: list.length > 1, nodes, first: first.includes('://') ? first : `redis://${first}` };
}

/** REDIS_URL fit for a message: credentials left out. */
export function describeRedisUrl(url: string): string {
  return parseRedisUrl(url)
    .nodes.map((n) => `redis://${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`)
    .join(',');
}

/** Why a connection failed, in a few words. */
export function connectionProblem(err: unknown): string {
  const e = (err ?? {}) as { code?: string; message?: string; lastNodeError?: unknown };
  if (e.lastNodeError) return connectionProblem(e.lastNodeError);
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
  }
  if (/^(WRONGPASS|NOAUTH)/.test(e.message ?? '')) return 'authentication failed';
  return e.message || 'no connection';
}

/**
 * Opens one connection and waits until it is ready. An unreachable Redis at start is one clear Error
 * ("Redis at redis://host:port: connection refused") after a few quiet attempts; later outages are
 * logged once when the connection is lost and once when it is back, not at every retry.
 */
export async function connectRedis(url: string, logger: StateLogger, name: string): Promise<RedisClient> {
  const { cluster, nodes, first } = parseRedisUrl(url);
  let started = false;
  const retry = (times: number): number | null => {
    if (!started && times >= START_ATTEMPTS) return null;
    return Math.min(times * 100, 2000);
  };
  const client: RedisClient = cluster
    ? new Cluster(nodes, { enableOfflineQueue: false, redisOptions: common, clusterRetryStrategy: retry })
    : new Redis(first, { ...common, retryStrategy: retry });
  let lastError: unknown;
  let down = false;
  client.on('error', (err: Error) => {
    lastError = err;
    if (!started || down) return;
    down = true;
    logger.warn({ redis: describeRedisUrl(url), problem: connectionProblem(err) }, `redis ${name} connection lost; retrying`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ redis: describeRedisUrl(url) }, `redis ${name} connection back`);
  });
  const ready = await new Promise<boolean>((resolve) => {
    if (client.status === 'ready') return resolve(true);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      resolve(ok);
    };
    const onReady = () => done(true);
    const onEnd = () => done(false);
    const timer = setTimeout(() => done(false), START_TIMEOUT_MS);
    client.once('ready', onReady);
    client.once('end', onEnd);
  });
  if (!ready) {
    client.disconnect();
    throw new Error(`Redis at ${describeRedisUrl(url)}: ${connectionProblem(lastError)}`);
  }
  started = true;
  return client;
}

/** An error that means "Redis cannot be reached now, or cannot serve now" (as opposed to a bug). */
export function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string } | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ClusterAllFailedError') return true;
  if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ETIMEDOUT') return true;
  // Replies of a server that is loading, failing over or read-only: try again shortly.
  if (/^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY)\b/.test(e.message ?? '')) return true;
  return /enableOfflineQueue|Connection is closed|Stream isn't writeable|connect ECONNREFUSED|Cluster isn't ready/i.test(e.message ?? '');
}

export const redisUnavailable = () => errors.unavailable('Shared state (Redis) is unreachable; retry shortly');

/** Rethrows a Redis failure as the 503 GatewayError; anything else (a bug) as it is. */
export function rethrow(err: unknown): never {
  if (err instanceof GatewayError) throw err;
  if (isRedisUnavailable(err)) throw redisUnavailable();
  throw err;
}

/** Runs Redis commands; their failures leave as GatewayErrors (see rethrow). */
export function guarded<T>(fn: () => Promise<T>): Promise<T> {
  return fn().catch(rethrow);
}

// 1: the data set can be trusted; 0: it is new (or Redis lost it): owners are writing their sessions
// back, so a miss means "not yet", not "no such session", until the recovery window ends.
const TRUST = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  return 0
end
return 1 - redis.call('EXISTS', KEYS[2])
`;

/**
 * Can a miss be believed? A Redis that restarted without its data answers "no such token" for every
 * live session until the owners have written their records back (within one lease renewal). The
 * epoch key marks a data set; whoever finds it missing writes it and opens a recovery window of one
 * lease (LEASE_MS: an owner that has not rewritten its sessions by then has lost their leases anyway).
 * A brand-new Redis cannot be told apart from an emptied one, so it gets the same window.
 */
export class RedisTrust {
  constructor(
    private readonly redis: RedisClient,
    private readonly recoveryMs: number,
  ) {}

  trusted(): Promise<boolean> {
    return guarded(async () => {
      const epoch = randomBytes(6).toString('hex');
      return (await this.redis.eval(TRUST, 2, keys.epoch(), keys.recovering(), epoch, String(this.recoveryMs))) === 1;
    });
  }

  /** For a miss: resolves when it can be believed, rejects with 503 while the data set is being restored. */
  async assert(): Promise<void> {
    if (!(await this.trusted())) throw errors.unavailable('Shared state is being restored after a Redis restart; retry shortly');
  }
}

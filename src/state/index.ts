// createState(): the one place that chooses where shared state lives. Without REDIS_URL: memory (one
// node); with it: Redis (any number of nodes). Callers see only the seams.
import type { Config } from '../config.js';
import type { NodeBus } from './bus.js';
import { BusHub, MemoryBus } from './bus-memory.js';
import type { EventLog } from './event-log.js';
import { MemoryEventLog } from './event-log-memory.js';
import type { Ownership } from './ownership.js';
import { LeaseTable, MemoryOwnership } from './ownership-memory.js';
import type { RateLimitStore } from './rate-limit.js';
import { MemoryRateLimit } from './rate-limit-memory.js';
import type { SessionStore } from './session-store.js';
import { MemorySessionStore } from './session-store-memory.js';
import type { WebhookStore } from './webhook-store.js';
import { MemoryWebhookStore, WebhookTable } from './webhook-store-memory.js';

import type { StateLogger } from './redis.js';

export type { StateLogger } from './redis.js';

export interface State {
  nodeId: string;
  store: SessionStore;
  log: EventLog;
  ownership: Ownership;
  bus: NodeBus;
  /** Attempt counters (login guessing), shared by every node. */
  rateLimits: RateLimitStore;
  /** Webhook registrations, their cursors and delivery leases, shared by every node. */
  webhooks: WebhookStore;
  /** Can this node reach its shared state now? (Readiness.) */
  ready(): boolean;
  /** Multi-node mode: the seconds a Redis PING takes (metrics). */
  ping?(): Promise<number>;
  close(): Promise<void>;
}

export type StateConfig = Pick<Config, 'redisUrl' | 'nodeId' | 'leaseMs' | 'eventBufferSize' | 'eventBufferAgeS'> &
  Partial<Pick<Config, 'sessionKey'>>;

const bounds = (config: Pick<StateConfig, 'eventBufferSize' | 'eventBufferAgeS'>) => ({
  maxEvents: config.eventBufferSize,
  maxAgeMs: config.eventBufferAgeS * 1000,
});

/** Rejects with one Error naming the Redis and the problem when it cannot be reached at start. */
export async function createState(config: StateConfig, logger: StateLogger): Promise<State> {
  if (!config.redisUrl) return memoryState(config);
  // Loaded only here: a single node never loads ioredis (~50 ms of CPU at every start).
  const { redisState } = await import('./redis-state.js');
  return redisState(config, logger, bounds(config));
}

/** What several nodes in one process share (tests of relaying between managers). */
export class MemoryBackend {
  readonly store = new MemorySessionStore();
  readonly leases = new LeaseTable();
  readonly hub = new BusHub();
  readonly log: MemoryEventLog;
  readonly rateLimits: MemoryRateLimit;
  readonly webhooks = new WebhookTable();

  constructor(options: { maxEvents: number; maxAgeMs: number; now?: () => number }) {
    this.log = new MemoryEventLog(options);
    this.rateLimits = new MemoryRateLimit(options.now);
  }
}

export function memoryState(
  config: Pick<StateConfig, 'leaseMs' | 'eventBufferSize' | 'eventBufferAgeS'>,
  options: { nodeId?: string; backend?: MemoryBackend; now?: () => number } = {},
): State {
  const backend = options.backend ?? new MemoryBackend({ ...bounds(config), ...(options.now && { now: options.now }) });
  const nodeId = options.nodeId ?? 'local';
  return {
    nodeId,
    store: backend.store,
    log: backend.log,
    ownership: new MemoryOwnership({
      nodeId,
      leaseMs: config.leaseMs,
      leases: backend.leases,
      sessions: backend.store,
      ...(options.now && { now: options.now }),
    }),
    bus: new MemoryBus(nodeId, backend.hub),
    rateLimits: backend.rateLimits,
    webhooks: new MemoryWebhookStore(nodeId, backend.webhooks, options.now),
    ready: () => true,
    close: async () => undefined,
  };
}

// Ownership leases and the node bus over Redis. A node uses two connections (commands, pub/sub)
// whatever its session count: leases are renewed in one pipelined round per interval, and
// requests between nodes travel on one channel per node.
import { randomUUID } from 'node:crypto';
import { errors, GatewayError, isGatewayErrorLike } from '../errors.js';
import type { PubSub } from './pubsub.js';
import type { RedisClient } from './redis.js';
import { keys } from './redis-store.js';
import type { BusReply, BusRequest, NodeBus, Ownership } from './types.js';

// 1: renewed; 0: the lease belongs to someone else or the session was declared dead (fenced);
// -1: no records at all (Redis lost them): the owner rewrites them.
const RENEW = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if owner then return 0 end
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'online' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if state then return 0 end
return -1
`;

export interface LeaseOptions {
  leaseMs: number;
  renewMs: number;
}

export class RedisOwnership implements Ownership {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    readonly nodeId: string,
    private readonly options: LeaseOptions,
  ) {}

  async claim(sid: string): Promise<void> {
    await this.redis.set(keys.owner(sid), this.nodeId, 'PX', this.options.leaseMs);
  }

  async release(sid: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      keys.owner(sid),
      this.nodeId,
    );
  }

  async ownerOf(sid: string): Promise<string | undefined> {
    return (await this.redis.get(keys.owner(sid))) ?? undefined;
  }

  start(owned: () => Iterable<string>, hooks: { lost(sid: string): void; missing(sid: string): Promise<void> }): void {
    const round = async () => {
      const sids = [...owned()];
      await this.redis.set(keys.node(this.nodeId), String(Date.now()), 'PX', this.options.leaseMs);
      for (const sid of sids) {
        const result = (await this.redis.eval(
          RENEW,
          2,
          keys.owner(sid),
          keys.session(sid),
          this.nodeId,
          String(this.options.leaseMs),
        )) as number;
        if (result === 0) hooks.lost(sid);
        else if (result === -1) await hooks.missing(sid);
      }
    };
    this.timer = setInterval(() => {
      if (this.running) return;
      // While Redis is away renewals fail; the leases lapse only if it stays away past their lifetime.
      this.running = round()
        .catch(() => undefined)
        .finally(() => (this.running = undefined));
    }, this.options.renewMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.redis.del(keys.node(this.nodeId)).catch(() => undefined);
  }
}

type Wire = { t: 'req'; id: string; from: string; req: BusRequest } | ({ t: 'res'; id: string } & BusReply);

export class RedisBus implements NodeBus {
  private readonly pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private handler: ((req: BusRequest) => Promise<unknown>) | undefined;
  private unsubscribe: (() => void) | undefined;
  readonly ready: Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    pubsub: PubSub,
    private readonly nodeId: string,
  ) {
    this.ready = pubsub
      .subscribe(keys.nodeChannel(nodeId), (message) => void this.onMessage(message))
      .then((off) => {
        this.unsubscribe = off;
      });
  }

  async request(nodeId: string, req: BusRequest, timeoutMs: number): Promise<unknown> {
    const id = randomUUID();
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(errors.timeout('The node that owns this session did not answer in time'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    try {
      await this.redis.publish(keys.nodeChannel(nodeId), JSON.stringify({ t: 'req', id, from: this.nodeId, req } satisfies Wire));
    } catch (err) {
      const p = this.pending.get(id);
      if (p) clearTimeout(p.timer);
      this.pending.delete(id);
      throw err;
    }
    return reply;
  }

  serve(handler: (req: BusRequest) => Promise<unknown>): void {
    this.handler = handler;
  }

  private async onMessage(message: string): Promise<void> {
    let wire: Wire;
    try {
      wire = JSON.parse(message) as Wire;
    } catch {
      return;
    }
    if (wire.t === 'res') {
      const p = this.pending.get(wire.id);
      if (!p) return;
      this.pending.delete(wire.id);
      clearTimeout(p.timer);
      if (wire.ok) p.resolve(wire.data);
      else p.reject(new GatewayError(wire.status, wire.body));
      return;
    }
    let reply: BusReply;
    try {
      if (!this.handler) throw errors.unavailable('This node is not serving requests');
      reply = { ok: true, data: await this.handler(wire.req) };
    } catch (err) {
      const e = isGatewayErrorLike(err) ? err : errors.internal();
      reply = { ok: false, status: e.status, body: e.body };
    }
    await this.redis
      .publish(keys.nodeChannel(wire.from), JSON.stringify({ t: 'res', id: wire.id, ...reply } satisfies Wire))
      .catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(errors.unavailable('This node is shutting down'));
    }
    this.pending.clear();
  }
}

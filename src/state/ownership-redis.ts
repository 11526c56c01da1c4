// Ownership leases and node heartbeats in Redis. Renewals of all of a node's leases go out together
// once per interval on the node's one command connection (pipelined by ioredis), whatever the count.
import { guarded, type RedisClient, type RedisTrust } from './redis.js';
import { keys } from './redis-keys.js';
import type { Ownership, OwnershipHooks, RenewResult, TakeoverClaim, TakeoverLeases } from './ownership.js';

// 1: renewed; 0: the lease belongs to someone else or the session was declared dead (fenced);
// -1: no records at all (Redis lost them): the owner writes them again.
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

const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

// A takeover's claim, atomic: of several survivors, one gets the lease and the sealed state.
const CLAIM = `
if redis.call('HGET', KEYS[1], 'state') ~= 'online' then return {-1} end
local owner = redis.call('GET', KEYS[2])
if owner == ARGV[3] then return {2} end
if owner then return {0} end
local tk = redis.call('GET', KEYS[3])
if not tk then return {-2} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {1, tk, redis.call('HGET', KEYS[1], 'smh') or ''}
`;

const RESULTS: Record<number, RenewResult> = { 1: 'renewed', 0: 'lost', [-1]: 'missing' };

/** Renewals in flight at once: bounded so that 20,000 sessions do not queue 20,000 promises. */
const BATCH = 500;

export interface LeaseOptions {
  leaseMs: number;
  renewMs: number;
  /** Keep the list of each node's sessions (gw:nodesids:*), for takeovers (SESSION_KEY set). */
  takeover?: boolean;
}

export class RedisOwnership implements Ownership, TakeoverLeases {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private round: (() => Promise<void>) | undefined;
  private readonly onReady = () => this.renewNow();

  constructor(
    private readonly redis: RedisClient,
    private readonly trust: RedisTrust,
    readonly nodeId: string,
    private readonly options: LeaseOptions,
  ) {}

  claim(sid: string): Promise<void> {
    return guarded(async () => {
      await this.redis.set(keys.owner(sid), this.nodeId, 'PX', this.options.leaseMs);
      if (this.options.takeover) await this.track(sid);
    });
  }

  release(sid: string): Promise<void> {
    return guarded(async () => {
      await this.redis.eval(RELEASE, 1, keys.owner(sid), this.nodeId);
      if (this.options.takeover) await this.redis.srem(keys.nodeSessions(this.nodeId), sid);
    });
  }

  private async track(sid: string): Promise<void> {
    await this.redis.sadd(keys.nodes(), this.nodeId);
    await this.redis.sadd(keys.nodeSessions(this.nodeId), sid);
  }

  orphans(): Promise<Array<{ nodeId: string; sids: string[] }>> {
    return guarded(async () => {
      const out: Array<{ nodeId: string; sids: string[] }> = [];
      for (const nodeId of await this.redis.smembers(keys.nodes())) {
        if (nodeId === this.nodeId || (await this.redis.exists(keys.node(nodeId))) === 1) continue;
        const sids = await this.redis.smembers(keys.nodeSessions(nodeId));
        // Nothing left of it: forgotten (a node that comes back under the name adds itself again).
        if (sids.length === 0) await this.redis.srem(keys.nodes(), nodeId);
        else out.push({ nodeId, sids });
      }
      return out;
    });
  }

  claimTakeover(sid: string, from: string): Promise<TakeoverClaim> {
    return guarded(async () => {
      // CLAIM answers [code, blob, h] (above); ioredis types eval's answer as unknown.
      const [code, blob, h] = (await this.redis.eval(
        CLAIM,
        3,
        keys.session(sid),
        keys.owner(sid),
        keys.takeover(sid),
        this.nodeId,
        String(this.options.leaseMs),
        from,
      )) as [number, string?, string?];
      if (code === 1 && blob !== undefined) {
        await this.track(sid);
        await this.redis.srem(keys.nodeSessions(from), sid);
        return { result: 'claimed', blob, h: h ? Number(h) : undefined };
      }
      return { result: code === 2 ? 'waiting' : code === 0 ? 'taken' : code === -2 ? 'no-state' : 'gone' };
    });
  }

  othersAlive(): Promise<boolean> {
    return guarded(async () => {
      for (const nodeId of await this.redis.smembers(keys.nodes())) {
        if (nodeId !== this.nodeId && (await this.redis.exists(keys.node(nodeId))) === 1) return true;
      }
      return false;
    });
  }

  handOff(sid: string): Promise<void> {
    return guarded(async () => void (await this.redis.eval(RELEASE, 1, keys.owner(sid), this.nodeId)));
  }

  forgetOrphan(from: string, sid: string): Promise<void> {
    return guarded(async () => void (await this.redis.srem(keys.nodeSessions(from), sid)));
  }

  ownerOf(sid: string): Promise<string | undefined> {
    return guarded(async () => {
      const owner = await this.redis.get(keys.owner(sid));
      // No lease in a data set being restored: the owner may not have claimed it again yet.
      if (owner === null) await this.trust.assert();
      return owner ?? undefined;
    });
  }

  isAlive(nodeId: string): Promise<boolean> {
    return guarded(async () => (await this.redis.exists(keys.node(nodeId))) === 1);
  }

  start(owned: () => Iterable<string>, hooks: OwnershipHooks): void {
    this.round = async () => {
      const sids = [...owned()];
      await this.redis.set(keys.node(this.nodeId), String(Date.now()), 'PX', this.options.leaseMs);
      // Listed even with no session yet: a draining node hands its sessions over only to a live one.
      if (this.options.takeover) await this.redis.sadd(keys.nodes(), this.nodeId);
      // A new data set (Redis restarted) starts its recovery window before anyone reads it.
      await this.trust.trusted();
      for (let i = 0; i < sids.length; i += BATCH) {
        const batch = sids.slice(i, i + BATCH);
        const results = await Promise.all(
          batch.map(
            (sid) =>
              // The RENEW script returns 1 or 0 (above); ioredis types eval's answer as unknown.
              this.redis.eval(RENEW, 2, keys.owner(sid), keys.session(sid), this.nodeId, String(this.options.leaseMs)) as Promise<number>,
          ),
        );
        for (const [j, sid] of batch.entries()) {
          const result = RESULTS[results[j]!];
          if (result === 'lost') hooks.lost(sid);
          else if (result === 'missing') await hooks.missing(sid);
        }
      }
    };
    this.renewNow();
    this.timer = setInterval(() => this.renewNow(), this.options.renewMs);
    this.timer.unref();
    // Back from an outage: write back what Redis may have lost at once, not at the next interval.
    this.redis.on('ready', this.onReady);
  }

  private renewNow(): void {
    if (this.running || !this.round) return;
    // While Redis is away renewals fail; the leases lapse only if it stays away past their lifetime.
    this.running = this.round()
      .catch(() => undefined)
      .finally(() => (this.running = undefined));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
    this.round = undefined;
    await this.running;
    await this.redis.del(keys.node(this.nodeId)).catch(() => undefined);
  }
}

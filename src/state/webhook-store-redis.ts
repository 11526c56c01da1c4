// Webhooks in Redis (README, "Redis key layout"): a session's registrations and their progress are
// two hashes of its {sid} slot, each webhook's delivery lease a key of that slot too, so that one
// script checks the lease and writes the cursor (fencing). A set of `sid id` outside the slots lists
// every webhook for the nodes looking for one nobody delivers; it is written after the slot (a
// stale entry is dropped when its webhook is not found).
import { guarded, type RedisClient, type RedisTrust } from './redis.js';
import { keys } from './redis-keys.js';
import { seal, unseal } from './seal.js';
import type { PubSub } from './redis-pubsub.js';
import type { HoldResult, StoredWebhook, WebhookProgress, WebhookRegistration, WebhookStore } from './webhook-store.js';

// ARGV: id, max, registration, progress, lease node, lease ms. 1: stored (and leased); 0: the session
// has `max` (or, for a restore, the webhook is there already).
const ADD = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[6])
return 1
`;

const REMOVE = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
`;

// 1: held by ARGV[1] (taken or renewed); 0: another node's; -1: no such webhook.
const HOLD = `
if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 0 then return -1 end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

const SAVE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
`;

const HOLD_RESULTS: Record<number, HoldResult> = { 1: 'held', 0: 'taken', [-1]: 'gone' };

/** What a sealed signing secret is bound to: its webhook (a sealed secret moved to another does not open). */
const secretContext = (sid: string, id: string) => `xmpp-ftw-gateway webhook secret ${sid} ${id}`;

function parse(
  registration: string | null | undefined,
  progress: string | null | undefined,
  key: string | undefined,
): StoredWebhook | undefined {
  if (!registration) return undefined;
  // Written by this module as JSON of these two shapes.
  const r = JSON.parse(registration) as WebhookRegistration;
  const p = progress ? (JSON.parse(progress) as WebhookProgress) : { state: 'active' as const };
  return { ...r, secret: unseal(key, secretContext(r.sid, r.id), r.secret), progress: p };
}

const split = ({ progress, ...registration }: StoredWebhook) => ({ registration, progress });

export class RedisWebhookStore implements WebhookStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly pubsub: PubSub,
    private readonly trust: RedisTrust,
    private readonly nodeId: string,
    /** SESSION_KEY: with it, signing secrets are stored sealed (src/state/seal.ts); without, as they are. */
    private readonly secretKey?: string,
  ) {}

  private put(webhook: StoredWebhook, max: number, leaseMs: number): Promise<boolean> {
    const { registration, progress } = split(webhook);
    return guarded(async () => {
      const stored =
        (await this.redis.eval(
          ADD,
          3,
          keys.webhooks(webhook.sid),
          keys.webhookProgress(webhook.sid),
          keys.webhookLease(webhook.sid, webhook.id),
          webhook.id,
          String(max),
          JSON.stringify(
            this.secretKey
              ? { ...registration, secret: seal(this.secretKey, secretContext(webhook.sid, webhook.id), registration.secret) }
              : registration,
          ),
          JSON.stringify(progress),
          this.nodeId,
          String(leaseMs),
        )) === 1;
      // Also for a restore that found the webhook stored: the index may be what was lost.
      await this.redis.sadd(keys.webhookIndex(), `${webhook.sid} ${webhook.id}`);
      return stored;
    });
  }

  add(webhook: StoredWebhook, max: number, leaseMs: number): Promise<boolean> {
    return this.put(webhook, max, leaseMs);
  }

  async restore(webhook: StoredWebhook, leaseMs: number): Promise<void> {
    await this.put(webhook, Number.MAX_SAFE_INTEGER, leaseMs);
  }

  get(sid: string, id: string): Promise<StoredWebhook | undefined> {
    return guarded(async () => {
      const [registration, progress] = await Promise.all([
        this.redis.hget(keys.webhooks(sid), id),
        this.redis.hget(keys.webhookProgress(sid), id),
      ]);
      return parse(registration, progress, this.secretKey);
    });
  }

  list(sid: string): Promise<StoredWebhook[]> {
    return guarded(async () => {
      const [registrations, progress] = await Promise.all([
        this.redis.hgetall(keys.webhooks(sid)),
        this.redis.hgetall(keys.webhookProgress(sid)),
      ]);
      return Object.entries(registrations)
        .map(([id, r]) => parse(r, progress[id], this.secretKey))
        .filter((w): w is StoredWebhook => w !== undefined)
        .sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  remove(sid: string, id: string): Promise<boolean> {
    return guarded(async () => {
      const removed =
        (await this.redis.eval(REMOVE, 3, keys.webhooks(sid), keys.webhookProgress(sid), keys.webhookLease(sid, id), id)) === 1;
      await this.redis.srem(keys.webhookIndex(), `${sid} ${id}`);
      if (removed) await this.redis.publish(keys.webhookRemovedChannel(), `${sid} ${id}`);
      return removed;
    });
  }

  all(): Promise<Array<{ sid: string; id: string }>> {
    return guarded(async () => {
      const members = await this.redis.smembers(keys.webhookIndex());
      return members.flatMap((m) => {
        const [sid, id] = m.split(' ');
        return sid && id ? [{ sid, id }] : [];
      });
    });
  }

  /** Drops an index entry whose webhook is not stored (written after the slot, or left by a crash). */
  async forget(sid: string, id: string): Promise<void> {
    await guarded(async () => void (await this.redis.srem(keys.webhookIndex(), `${sid} ${id}`)));
  }

  hold(sid: string, id: string, leaseMs: number): Promise<HoldResult> {
    return guarded(async () => {
      // The HOLD script returns 1, 0 or -1 (above); ioredis types eval's answer as unknown.
      const r = (await this.redis.eval(
        HOLD,
        2,
        keys.webhookLease(sid, id),
        keys.webhooks(sid),
        this.nodeId,
        String(leaseMs),
        id,
      )) as number;
      return HOLD_RESULTS[r] ?? 'gone';
    });
  }

  release(sid: string, id: string): Promise<void> {
    return guarded(async () => void (await this.redis.eval(RELEASE, 1, keys.webhookLease(sid, id), this.nodeId)));
  }

  saveProgress(sid: string, id: string, progress: WebhookProgress): Promise<boolean> {
    return guarded(
      async () =>
        (await this.redis.eval(
          SAVE,
          3,
          keys.webhookLease(sid, id),
          keys.webhookProgress(sid),
          keys.webhooks(sid),
          this.nodeId,
          id,
          JSON.stringify(progress),
        )) === 1,
    );
  }

  trusted(): Promise<boolean> {
    return this.trust.trusted();
  }

  onRemoved(listener: (sid: string, id: string) => void): Promise<() => void> {
    return this.pubsub.subscribe(keys.webhookRemovedChannel(), (message) => {
      const [sid, id] = message.split(' ');
      if (sid && id) listener(sid, id);
    });
  }
}

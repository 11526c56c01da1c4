// The session store in Redis. One session's keys share a hash tag ({sid}) so they live in one slot of
// a Redis Cluster; the token and ticket indexes are single keys of their own.
import type { SessionRecord, SessionStore } from '../session/store.js';
import type { RedisClient } from './redis.js';

export const keys = {
  session: (sid: string) => `gw:{${sid}}:s`,
  owner: (sid: string) => `gw:{${sid}}:owner`,
  events: (sid: string) => `gw:{${sid}}:ev`,
  token: (hash: string) => `gw:tok:${hash}`,
  ticket: (hash: string) => `gw:tkt:${hash}`,
  node: (nodeId: string) => `gw:node:${nodeId}`,
  eventChannel: (sid: string) => `gw:ev:{${sid}}`,
  nodeChannel: (nodeId: string) => `gw:bus:${nodeId}`,
};

function toHash(r: SessionRecord): Record<string, string> {
  const h: Record<string, string> = {
    sid: r.sid,
    tokenHash: r.tokenHash,
    jid: JSON.stringify(r.jid),
    state: r.state,
    createdAt: String(r.createdAt),
    lastActive: String(r.lastActive),
  };
  if (r.goneAt !== undefined) h.goneAt = String(r.goneAt);
  if (r.goneReason !== undefined) h.goneReason = r.goneReason;
  return h;
}

function fromHash(h: Record<string, string>): SessionRecord | undefined {
  if (!h.sid || !h.tokenHash || !h.jid) return undefined;
  const r: SessionRecord = {
    sid: h.sid,
    tokenHash: h.tokenHash,
    jid: JSON.parse(h.jid),
    state: h.state === 'gone' ? 'gone' : 'online',
    createdAt: Number(h.createdAt),
    lastActive: Number(h.lastActive),
  };
  if (h.goneAt !== undefined) r.goneAt = Number(h.goneAt);
  if (h.goneReason !== undefined) r.goneReason = h.goneReason;
  return r;
}

export class RedisSessionStore implements SessionStore {
  constructor(private readonly redis: RedisClient) {}

  async create(record: SessionRecord): Promise<void> {
    // Two slots (session, token): two commands, session first so a token never points at nothing.
    await this.redis.hset(keys.session(record.sid), toHash(record));
    await this.redis.set(keys.token(record.tokenHash), record.sid);
  }

  async byTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const sid = await this.redis.get(keys.token(tokenHash));
    return sid === null ? undefined : this.get(sid);
  }

  async get(sid: string): Promise<SessionRecord | undefined> {
    return fromHash(await this.redis.hgetall(keys.session(sid)));
  }

  async touch(sid: string, at: number): Promise<void> {
    // Only an existing session: HSET on a deleted one would resurrect a partial hash.
    await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastActive', ARGV[1]) end return 0",
      1,
      keys.session(sid),
      String(at),
    );
  }

  async markGone(sid: string, reason: string, at: number, retainMs: number): Promise<boolean> {
    // Atomic: of several nodes noticing a dead owner, exactly one makes the transition.
    const changed = (await this.redis.eval(
      `if redis.call('HGET', KEYS[1], 'state') ~= 'online' then return 0 end
       redis.call('HSET', KEYS[1], 'state', 'gone', 'goneAt', ARGV[1], 'goneReason', ARGV[2])
       redis.call('PEXPIRE', KEYS[1], ARGV[3])
       return 1`,
      1,
      keys.session(sid),
      String(at),
      reason,
      String(retainMs),
    )) as number;
    if (changed !== 1) return false;
    const tokenHash = await this.redis.hget(keys.session(sid), 'tokenHash');
    if (tokenHash) await this.redis.pexpire(keys.token(tokenHash), retainMs);
    return true;
  }

  async delete(sid: string): Promise<void> {
    const record = await this.get(sid);
    await this.redis.del(keys.session(sid));
    if (record) await this.redis.del(keys.token(record.tokenHash));
  }

  async putTicket(ticketHash: string, sid: string, expiresAt: number): Promise<void> {
    await this.redis.set(keys.ticket(ticketHash), sid, 'PX', Math.max(1, expiresAt - Date.now()));
  }

  async ticket(ticketHash: string): Promise<string | undefined> {
    return (await this.redis.get(keys.ticket(ticketHash))) ?? undefined;
  }
}

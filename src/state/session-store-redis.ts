// The session store in Redis (key layout in redis-keys.ts). A session's record is a hash in its own
// slot; the token and ticket indexes are single keys. A miss is checked against RedisTrust before it
// is believed (see there): after Redis lost its data, "no such token" means "not written back yet".
import type { Jid } from '../xmpp/jid.js';
import { guarded, type RedisClient, type RedisTrust } from './redis.js';
import { keys } from './redis-keys.js';
import type { SessionRecord, SessionStore } from './session-store.js';

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
    // Written by toHash from a Jid: the one shape this field ever holds.
    jid: JSON.parse(h.jid) as Jid,
    state: h.state === 'gone' ? 'gone' : 'online',
    createdAt: Number(h.createdAt),
    lastActive: Number(h.lastActive),
  };
  if (h.goneAt !== undefined) r.goneAt = Number(h.goneAt);
  if (h.goneReason !== undefined) r.goneReason = h.goneReason;
  return r;
}

// Only an existing session: HSET on a deleted one would resurrect a partial hash.
const TOUCH = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastActive', ARGV[1]) end return 0";

// Atomic: of several nodes noticing a dead owner, exactly one makes the transition. The session's
// kept tickets expire with it; its takeover state (the sealed keys) goes at once.
const MARK_GONE = `
if redis.call('HGET', KEYS[1], 'state') ~= 'online' then return false end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[1], 'state', 'gone', 'goneAt', ARGV[1], 'goneReason', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return redis.call('HGET', KEYS[1], 'tokenHash')
`;

// Fenced (see SessionStore.putTakeover): online, and the lease ours. h goes in the record (a number,
// not secret); the blob in its own key, so that reading the record (every request) does not carry it.
const PUT_TAKEOVER = `
if redis.call('HGET', KEYS[1], 'state') ~= 'online' then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'smh', ARGV[3]) end
return 1
`;

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly trust: RedisTrust,
  ) {}

  create(record: SessionRecord): Promise<void> {
    return guarded(async () => {
      // Two slots (session, token): two commands, session first so a token never points at nothing.
      await this.redis.hset(keys.session(record.sid), toHash(record));
      await this.redis.set(keys.token(record.tokenHash), record.sid);
    });
  }

  byTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    return guarded(async () => {
      const sid = await this.redis.get(keys.token(tokenHash));
      if (sid === null) {
        await this.trust.assert();
        return undefined;
      }
      return this.get(sid);
    });
  }

  get(sid: string): Promise<SessionRecord | undefined> {
    return guarded(async () => {
      const record = fromHash(await this.redis.hgetall(keys.session(sid)));
      if (!record) await this.trust.assert();
      return record;
    });
  }

  touch(sid: string, at: number): Promise<void> {
    return guarded(async () => void (await this.redis.eval(TOUCH, 1, keys.session(sid), String(at))));
  }

  markGone(sid: string, reason: string, at: number, retainMs: number): Promise<boolean> {
    return guarded(async () => {
      const tokenHash = (await this.redis.eval(
        MARK_GONE,
        3,
        keys.session(sid),
        keys.tickets(sid),
        keys.takeover(sid),
        String(at),
        reason,
        String(retainMs),
      )) as string | null;
      if (tokenHash === null) return false;
      await this.redis.pexpire(keys.token(tokenHash), retainMs);
      for (const hash of await this.redis.smembers(keys.tickets(sid))) await this.redis.pexpire(keys.ticket(hash), retainMs);
      return true;
    });
  }

  delete(sid: string): Promise<void> {
    return guarded(async () => {
      const tokenHash = await this.redis.hget(keys.session(sid), 'tokenHash');
      await this.redis.del(keys.session(sid), keys.takeover(sid));
      if (tokenHash) await this.redis.del(keys.token(tokenHash));
      for (const hash of await this.redis.smembers(keys.tickets(sid))) await this.redis.del(keys.ticket(hash));
      await this.redis.del(keys.tickets(sid));
    });
  }

  putTakeover(sid: string, nodeId: string, blob: string | undefined, h: number | undefined): Promise<boolean> {
    return guarded(async () => {
      const args = [nodeId, blob ?? '', h === undefined ? '' : String(h)];
      return (await this.redis.eval(PUT_TAKEOVER, 3, keys.session(sid), keys.owner(sid), keys.takeover(sid), ...args)) === 1;
    });
  }

  putTicket(ticketHash: string, sid: string, expiresAt: number): Promise<void> {
    return guarded(async () => {
      // Listed with the session so that its end revokes the ticket at once, not when it expires.
      await this.redis.sadd(keys.tickets(sid), ticketHash);
      await this.redis.set(keys.ticket(ticketHash), sid, 'PX', Math.max(1, expiresAt - Date.now()));
    });
  }

  ticket(ticketHash: string): Promise<string | undefined> {
    return guarded(async () => {
      const sid = await this.redis.get(keys.ticket(ticketHash));
      if (sid === null) await this.trust.assert();
      return sid ?? undefined;
    });
  }

  keepTicket(ticketHash: string, sid: string): Promise<void> {
    return guarded(async () => {
      await this.redis.persist(keys.ticket(ticketHash));
      // The session may have ended meanwhile: then the ticket lives no longer than its record.
      const left = await this.redis.pttl(keys.session(sid));
      if (left === -2) {
        await this.redis.del(keys.ticket(ticketHash));
        await this.redis.del(keys.tickets(sid));
      } else if (left >= 0) {
        await this.redis.pexpire(keys.ticket(ticketHash), Math.max(1, left));
      }
    });
  }
}

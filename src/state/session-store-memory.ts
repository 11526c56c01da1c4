// The session store of a single node: maps in this process.
import type { SessionRecord, SessionStore } from './session-store.js';

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly byToken = new Map<string, string>();
  private readonly tickets = new Map<string, { sid: string; expiresAt: number }>();

  async create(record: SessionRecord): Promise<void> {
    // A copy: the caller keeps its own record, as it would with a store in another process.
    this.sessions.set(record.sid, { ...record });
    this.byToken.set(record.tokenHash, record.sid);
  }

  async byTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const sid = this.byToken.get(tokenHash);
    return sid === undefined ? undefined : this.get(sid);
  }

  async get(sid: string): Promise<SessionRecord | undefined> {
    const r = this.sessions.get(sid);
    return r && { ...r };
  }

  /** The record as stored, for the memory ownership's renewal (what Redis reads in its script). */
  peekState(sid: string): SessionRecord['state'] | undefined {
    return this.sessions.get(sid)?.state;
  }

  async touch(sid: string, at: number): Promise<void> {
    const r = this.sessions.get(sid);
    if (r) r.lastActive = at;
  }

  async markGone(sid: string, reason: string, at: number, retainMs: number): Promise<boolean> {
    const r = this.sessions.get(sid);
    if (!r || r.state !== 'online') return false;
    Object.assign(r, { state: 'gone', goneAt: at, goneReason: reason });
    const timer = setTimeout(() => {
      if (this.sessions.get(sid) === r) void this.delete(sid);
    }, retainMs);
    timer.unref();
    return true;
  }

  async delete(sid: string): Promise<void> {
    const r = this.sessions.get(sid);
    if (r) this.byToken.delete(r.tokenHash);
    this.sessions.delete(sid);
    for (const [hash, t] of this.tickets) if (t.sid === sid) this.tickets.delete(hash);
  }

  async putTicket(ticketHash: string, sid: string, expiresAt: number): Promise<void> {
    this.tickets.set(ticketHash, { sid, expiresAt });
  }

  async ticket(ticketHash: string, now: number): Promise<string | undefined> {
    const t = this.tickets.get(ticketHash);
    if (!t) return undefined;
    if (t.expiresAt <= now) {
      this.tickets.delete(ticketHash);
      return undefined;
    }
    return t.sid;
  }

  async keepTicket(ticketHash: string, sid: string): Promise<void> {
    const t = this.tickets.get(ticketHash);
    if (t?.sid === sid && this.sessions.has(sid)) t.expiresAt = Infinity;
  }
}

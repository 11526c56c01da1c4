// The session store seam: what the HTTP side knows of a session. The memory implementation is the
// single-node default; a Redis one sits beside it for multi-node mode.
import type { Jid } from '../xmpp/jid.js';

export interface SessionRecord {
  sid: string;
  tokenHash: string;
  jid: Jid;
  state: 'online' | 'gone';
  createdAt: number;
  lastActive: number;
  goneAt?: number;
  goneReason?: string;
}

export interface SessionStore {
  create(record: SessionRecord): Promise<void>;
  byTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  get(sid: string): Promise<SessionRecord | undefined>;
  touch(sid: string, at: number): Promise<void>;
  /** The session's connection ended; its record (and token) stay readable for `retainMs`, answering 410. */
  /** Returns true for the one caller that made the transition (so only it announces the end). */
  markGone(sid: string, reason: string, at: number, retainMs: number): Promise<boolean>;
  delete(sid: string): Promise<void>;
  putTicket(ticketHash: string, sid: string, expiresAt: number): Promise<void>;
  ticket(ticketHash: string, now: number): Promise<string | undefined>;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly byToken = new Map<string, string>();
  private readonly tickets = new Map<string, { sid: string; expiresAt: number }>();

  async create(record: SessionRecord): Promise<void> {
    this.sessions.set(record.sid, record);
    this.byToken.set(record.tokenHash, record.sid);
  }
  async byTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const sid = this.byToken.get(tokenHash);
    return sid === undefined ? undefined : this.sessions.get(sid);
  }
  async get(sid: string): Promise<SessionRecord | undefined> {
    return this.sessions.get(sid);
  }
  async touch(sid: string, at: number): Promise<void> {
    const r = this.sessions.get(sid);
    if (r) r.lastActive = at;
  }
  async markGone(sid: string, reason: string, at: number, retainMs: number): Promise<boolean> {
    const r = this.sessions.get(sid);
    if (!r || r.state !== 'online') return false;
    Object.assign(r, { state: 'gone', goneAt: at, goneReason: reason });
    const timer = setTimeout(() => void this.delete(sid), retainMs);
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
}

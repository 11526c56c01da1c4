// The session store seam: what every node knows of a session (its record, and the token and ticket
// indexes that lead to it). The memory implementation (single node) and the Redis one (multi-node)
// sit beside this file and are held to one contract (test/state/session-store.contract.ts).
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

/**
 * Lookups resolve `undefined` only for what is known not to exist; when the answer cannot be trusted
 * (Redis lost its data and the owners are writing their sessions back) they reject with a 503
 * GatewayError, so that a valid token is never answered 401.
 */
export interface SessionStore {
  create(record: SessionRecord): Promise<void>;
  byTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  get(sid: string): Promise<SessionRecord | undefined>;
  /** Updates lastActive of an existing session; never brings a deleted one back. */
  touch(sid: string, at: number): Promise<void>;
  /**
   * The session's connection ended; its record (and token) stay readable for `retainMs`, answering
   * 410. Returns true for the one caller that made the transition (so only it announces the end).
   */
  markGone(sid: string, reason: string, at: number, retainMs: number): Promise<boolean>;
  /** Revokes the session: its record, token and tickets. */
  delete(sid: string): Promise<void>;
  /** A stream ticket, valid until `expiresAt` unless a stream opens with it (see keepTicket). */
  putTicket(ticketHash: string, sid: string, expiresAt: number): Promise<void>;
  /** The session of a valid ticket. */
  ticket(ticketHash: string, now: number): Promise<string | undefined>;
  /**
   * A ticket that opened a stream of its session stays valid for as long as the session: a browser's
   * EventSource reconnects with the same URL whenever its connection drops, however late.
   */
  keepTicket(ticketHash: string, sid: string): Promise<void>;
  /**
   * Multi-node takeover (src/session/takeover.ts): writes the session's sealed takeover state and the
   * h it has told the server (XEP-0198 §4), only while the session is online and `nodeId` holds its
   * lease, so that a node that lost the lease (fenced) never writes after the new owner. `h` alone
   * (blob undefined) is the cheap write that precedes each <a/>. Resolves false when fenced.
   */
  putTakeover?(sid: string, nodeId: string, blob: string | undefined, h: number | undefined): Promise<boolean>;
}

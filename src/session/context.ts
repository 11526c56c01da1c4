// What the parts of the session layer (sessions, relay, sweeper) share: their dependencies, and this
// node's own bookkeeping of sessions. Nothing here knows HTTP or XML.
import type { Config } from '../config.js';
import type { NodeBus } from '../state/bus.js';
import type { EventLog } from '../state/event-log.js';
import type { Ownership, TakeoverLeases } from '../state/ownership.js';
import type { SessionRecord, SessionStore } from '../state/session-store.js';
import type { LoginRequest, OpenResult } from '../workers/protocol.js';

/** What the session layer needs of the XMPP side: the worker pool, or a fake one in unit tests. */
export interface SessionPool {
  /** Connects, authenticates and binds; rejects with a GatewayError (401 login-fail, 502, 504, …). */
  open(sid: string, login: LoginRequest, timeoutMs: number): Promise<OpenResult>;
  /** Runs an action on the session's connection; rejects with its GatewayError. */
  call(sid: string, action: string, body: unknown): Promise<unknown>;
  /** Ends the session's connection (unavailable presence, stream closed); never rejects. */
  close(sid: string): Promise<void>;
  /** Takeover (takeover.ts): drops the connection without closing the stream, for another node to resume. */
  abandon?(sid: string): Promise<void>;
  /** Takeover: resumes here a session another node held, from its sealed state (h: the record's). */
  adopt?(sid: string, blob: string, h: number | undefined, logged?: number): Promise<void>;
  /** Drain handover: seals the session's state and drops its connection; undefined when not resumable (ended cleanly). */
  handover?(sid: string): Promise<{ blob: string; h: number } | undefined>;
}

export interface SessionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SessionDeps {
  config: Config;
  pool: SessionPool;
  store: SessionStore;
  log: EventLog;
  ownership: Ownership;
  bus: NodeBus;
  /** Multi-node takeover (SESSION_KEY with Redis): the leases' side of it; absent, sessions end with their node. */
  takeover?: TakeoverLeases;
  logger: SessionLogger;
  now?: () => number;
  /** Observers for metrics. */
  observe?: { event(name: string): void; login(result: 'ok' | 'error' | 'refused'): void; disconnect(reason: string): void };
}

/** This node's view of sessions. */
export class LocalSessions {
  /** Sessions whose XMPP connection lives on this node, with a copy of their record. */
  readonly owned = new Map<string, SessionRecord>();
  /** Sessions this node was part of that ended: kept until their retention ends (memory clean-up). */
  readonly retired = new Map<string, number>();
  /** Open event streams on this node per session: a session with a stream anywhere is never idle. */
  readonly streams = new Map<string, number>();
  /** Ends this node saw but could not record yet (shared state away): retried by the sweeper. */
  readonly unrecorded = new Map<string, string>();
  /** The last event append under way per session: a drain handover waits for it before giving the lease up. */
  readonly appending = new Map<string, Promise<unknown>>();

  get streamCount(): number {
    let n = 0;
    for (const c of this.streams.values()) n += c;
    return n;
  }
}

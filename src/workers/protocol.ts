// The main ⇄ worker message protocol. Plain JSON only (ltx elements do not survive structured
// clone, and the HTTP thread never touches XML). Bump PROTOCOL_VERSION on any incompatible change.
import type { ErrorBody } from '../errors.js';
import type { SessionLimits } from '../xmpp/context.js';
import type { Jid } from '../xmpp/jid.js';

export const PROTOCOL_VERSION = 3;

/**
 * Messages cross the thread boundary in batches (arrays, protocol v2): one postMessage per
 * event-loop turn rather than per message, since each one costs a structured clone and a wake-up of
 * the other thread (measured: fanout gateway CPU 2.5 s → 0.8 s on a burst).
 */
export function batcher<T>(send: (batch: T[]) => void, maxBatch = 8): ((msg: T) => void) & { flush(): void } {
  let queue: T[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    send(batch);
  };
  const post = (msg: T) => {
    queue.push(msg);
    // A capped batch leaves the receiver turns in between to flush what it wrote: with no cap,
    // fanout's RSS peaked at 1.59× during bursts; with 8, 1.04×, and send throughput within noise.
    if (queue.length >= maxBatch) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  // flush(): what was posted so far crosses now (the XEP-0198 ack waits for it, xmpp-session.ts).
  return Object.assign(post, { flush });
}

export interface LoginRequest {
  host: string;
  port: number;
  domain: string;
  username?: string;
  password?: string;
  resource?: string;
  anonymous: boolean;
}

/** Where a sessionless action connects (already checked against the allow-list by the HTTP side). */
export interface ConnectTarget {
  host: string;
  port: number;
  domain: string;
}

export type ToWorker =
  | { v: 3; t: 'open'; req: number; sid: string; login: LoginRequest }
  /** An action without a session (e.g. XEP-0077 §3.1 account creation): run on a fresh, unauthenticated stream. */
  | { v: 3; t: 'sessionless'; req: number; action: string; target: ConnectTarget; body: unknown }
  | { v: 3; t: 'call'; req: number; sid: string; action: string; body: unknown }
  /** `silent`: drop the connection without closing the stream (another node resumes it, XEP-0198 §5). */
  | { v: 3; t: 'close'; req: number; sid: string; silent?: true }
  /** The h of an <a/> is in the shared record (h of 'ack' below): the worker may tell it to the server. */
  | { v: 3; t: 'acked'; req: number; sid: string; h: number }
  /** Takes over a session another node held, from its sealed takeover state (takeover.ts): resumes it here. */
  /** h: the record's (told to the server); logged: the last h logged with an event, when later. */
  | { v: 3; t: 'adopt'; req: number; sid: string; blob: string; h?: number; logged?: number }
  /**
   * Drain handover: stop reading the session, seal its state with every stanza read counted, drop
   * the connection without closing the stream; answers a HandoverResult (or data {} when it cannot).
   */
  | { v: 3; t: 'handover'; req: number; sid: string };

export type FromWorker =
  | { v: 3; t: 'ready' }
  | { v: 3; t: 'reply'; req: number; ok: true; data: unknown }
  | { v: 3; t: 'reply'; req: number; ok: false; error: { status: number; body: ErrorBody } }
  /** handled: XEP-0198 h when the event was made (takeover mode), logged with it. */
  | { v: 3; t: 'event'; sid: string; name: string; data: unknown; handled?: number }
  | { v: 3; t: 'closed'; sid: string; reason: string }
  /** The session's takeover state changed: `blob` is it encrypted (takeover.ts), for the shared record. */
  | { v: 3; t: 'takeover'; sid: string; blob: string }
  /**
   * The server asked for an ack (<r/>, XEP-0198 §4) and h stanzas are handled: write h to the shared
   * record first (a takeover must never resume with an h below one the server was told), answer 'acked'.
   */
  | { v: 3; t: 'ack'; sid: string; h: number };

export interface HandoverResult {
  blob: string;
  h: number;
}

export interface OpenResult {
  jid: Jid;
}

export interface WorkerSettings {
  iqTimeoutMs: number;
  /** How long an incoming request waits for the client's answer (docs/api.md §4). */
  answerTimeoutMs: number;
  connectTimeoutMs: number;
  tlsVerify: boolean;
  /** XMPP_ALLOW_PLAIN (src/workers/xmpp-client.ts chooseMechanism). */
  allowPlain: boolean;
  caps: { node: string };
  limits: SessionLimits;
  /**
   * SESSION_KEY (base64) when another node may take sessions over (multi-node mode): the worker
   * encrypts each session's takeover state with it (takeover.ts). Absent: no takeover state at all.
   */
  takeoverKey?: string;
  /** XEP-0198 resumption after a drop (docs/api.md "Continuity"). */
  resume: {
    deadlineMs: number;
    actionWaitMs: number;
    maxQueuedActions: number;
    maxUnacked: number;
    maxUnackedBytes: number;
  };
}

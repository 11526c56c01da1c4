// The relay: an action runs on the node that owns its session, here (the worker pool) or there (the
// node bus), with Idempotency-Key replays and fencing. A relayed request never hangs on a dead
// owner: no acknowledgement within RELAY_TIMEOUT_MS is 503, a lapsed heartbeat fails the requests
// waiting on that node at once, and a lapsed lease is 410.
import { createHash } from 'node:crypto';
import { errors } from '../errors.js';
import type { BusRequest } from '../state/bus.js';
import type { SessionRecord } from '../state/session-store.js';
import { ATTEND_ACTION, type Attendance, isStreamsTold } from './attendance.js';
import type { LocalSessions, SessionDeps } from './context.js';
import type { Sessions, ToOwner } from './sessions.js';

export interface ActionResult {
  data: unknown;
  /** The answer of an earlier request with the same Idempotency-Key (nothing was sent again). */
  replayed: boolean;
}

interface IdempotentEntry {
  sid: string;
  at: number;
  fingerprint: string;
  result: Promise<unknown>;
}

export const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;

/** JSON with sorted keys: two bodies that differ only in key order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const stoppedAnswering = () => errors.unavailable('The node that owns this session stopped answering');

export class Relay implements ToOwner {
  private readonly now: () => number;
  private readonly idempotency = new Map<string, IdempotentEntry>();
  /** Requests waiting on another node, by node: failed at once if its heartbeat lapses. */
  private readonly watched = new Map<string, Set<AbortController>>();
  private watchTimer: NodeJS.Timeout | undefined;
  /** Actions being served (from HTTP here or relayed from other nodes): a drain waits for them. */
  private inflight = 0;
  /** Takeover mode: an owner's lease was found lapsed (the manager starts a takeover scan). */
  orphaned: (() => void) | undefined;
  private idleWaiters: Array<() => void> = [];
  /**
   * Actions the gateway serves itself on the owner node, not the session's worker (Web Push
   * subscriptions live there: src/http/push.ts). Their names start with NUL: no HTTP action has one.
   */
  private readonly ownerActions = new Map<string, (sid: string, body: unknown) => Promise<unknown>>();

  constructor(
    private readonly deps: SessionDeps,
    private readonly local: LocalSessions,
    private readonly sessions: Sessions,
    private readonly attendance: Attendance,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts serving other nodes and keeping this node's leases (with fencing). */
  start(): void {
    this.deps.bus.serve((req) => this.serve(req));
    this.deps.ownership.start(() => this.local.owned.keys(), {
      lost: (sid) => void this.fenced(sid),
      missing: (sid) => this.sessions.rewrite(sid),
    });
  }

  /** Serves `name` on the owner node with `handler` instead of the worker pool (see ownerActions). */
  serveOwnerAction(name: string, handler: (sid: string, body: unknown) => Promise<unknown>): void {
    if (!name.startsWith('\u0000')) throw new Error(`owner action ${name} must start with NUL`);
    this.ownerActions.set(name, handler);
  }

  async action(record: SessionRecord, name: string, body: unknown, idempotencyKey?: string): Promise<ActionResult> {
    this.sessions.requireOnline(record);
    return this.counted(async () => {
      if (this.local.owned.has(record.sid)) return this.here(record.sid, name, body, idempotencyKey);
      await this.deps.store.touch(record.sid, this.now());
      // The owner's answer, as it gave it; relayed from a node of ours (see serve()).
      return (await this.toOwner(record, {
        op: 'action',
        sid: record.sid,
        name,
        body,
        ...(idempotencyKey !== undefined && { idempotencyKey }),
      })) as ActionResult; // the owner answers an action with an ActionResult (src/state/bus.ts protocol)
    });
  }

  private async here(sid: string, name: string, body: unknown, idempotencyKey?: string): Promise<ActionResult> {
    const record = this.local.owned.get(sid);
    if (!record) throw errors.disconnected();
    const at = this.now();
    // The owner's idle sweep reads this copy (sweeper.ts: the later of it and the shared one), and
    // only the owner ends a session for idleness: no store write here (issue #18 goal 4). Another
    // node relaying an action has touched the shared record already (action() below).
    record.lastActive = at;
    this.attendance.actionRan(sid, name);
    const own = this.ownerActions.get(name);
    if (own) return { data: await own(sid, body), replayed: false };
    if (idempotencyKey === undefined) return { data: await this.deps.pool.call(sid, name, body), replayed: false };
    // The key names one request of the session (draft-ietf-httpapi-idempotency-key-header): the
    // same key with another action or body is refused, never answered with the first one's result.
    const key = `${sid}\u0000${idempotencyKey}`;
    const fingerprint = createHash('sha256')
      .update(`${name}\u0000${canonical(body)}`)
      .digest('hex');
    const hit = this.idempotency.get(key);
    if (hit && at - hit.at < IDEMPOTENCY_WINDOW_MS) {
      if (hit.fingerprint !== fingerprint) throw errors.idempotencyKeyReused();
      return { data: await hit.result, replayed: true };
    }
    const result = this.deps.pool.call(sid, name, body);
    const entry: IdempotentEntry = { sid, at, fingerprint, result };
    this.idempotency.set(key, entry);
    // A failed attempt may be retried with the same key.
    result.catch(() => {
      if (this.idempotency.get(key) === entry) this.idempotency.delete(key);
    });
    return { data: await result, replayed: false };
  }

  /** Sends a request to the owner node of a session; see the top of this file for its deadlines. */
  async toOwner(record: SessionRecord, req: BusRequest): Promise<unknown> {
    const owner = await this.liveOwner(record);
    const controller = new AbortController();
    const unwatch = this.watch(owner, controller);
    try {
      return await this.deps.bus.request(owner, req, {
        timeoutMs: this.deps.config.iqTimeoutMs + 5000,
        ackTimeoutMs: this.deps.config.relayTimeoutMs,
        signal: controller.signal,
      });
    } catch (err) {
      // The owner went away mid-request: 410 if its lease is gone too, else 503 (retry shortly).
      if (controller.signal.aborted) await this.liveOwner(record);
      throw err;
    } finally {
      unwatch();
    }
  }

  /** The owner node of an online session; a lapsed lease means the owner died: 410 from now on. */
  private async liveOwner(record: SessionRecord): Promise<string> {
    const owner = await this.deps.ownership.ownerOf(record.sid);
    if (owner !== undefined) return owner;
    if (this.deps.takeover) {
      // A survivor takes the session over within moments (takeover.ts): retry shortly (503).
      this.orphaned?.();
      throw errors.reconnecting();
    }
    const reason = 'The node holding this session stopped';
    await this.sessions.declareDead(record.sid, reason);
    throw errors.disconnected(reason);
  }

  private watch(nodeId: string, controller: AbortController): () => void {
    let set = this.watched.get(nodeId);
    if (!set) {
      set = new Set();
      this.watched.set(nodeId, set);
    }
    set.add(controller);
    if (!this.watchTimer) {
      this.watchTimer = setInterval(() => void this.checkHeartbeats(), Math.max(100, Math.floor(this.deps.config.leaseMs / 3)));
      this.watchTimer.unref();
    }
    return () => {
      const current = this.watched.get(nodeId);
      current?.delete(controller);
      if (current?.size === 0) this.watched.delete(nodeId);
      if (this.watched.size === 0) {
        clearInterval(this.watchTimer);
        this.watchTimer = undefined;
      }
    };
  }

  private async checkHeartbeats(): Promise<void> {
    for (const [nodeId, controllers] of this.watched) {
      // Shared state away: no verdict, the request's own deadlines still hold.
      if (await this.deps.ownership.isAlive(nodeId).catch(() => true)) continue;
      for (const c of controllers) c.abort(stoppedAnswering());
    }
  }

  /** Requests from other nodes for sessions owned here. */
  private async serve(req: BusRequest): Promise<unknown> {
    if (!this.local.owned.has(req.sid)) throw errors.disconnected();
    if (req.op === 'action' && req.name === ATTEND_ACTION) {
      // A node without the stream count (an older one) only says that a stream opened.
      if (isStreamsTold(req.body)) await this.attendance.streamsElsewhere(req.sid, req.body);
      else await this.attendance.streamOpened(req.sid);
      return { data: { ok: true }, replayed: false };
    }
    if (req.op === 'action') return this.counted(() => this.here(req.sid, req.name, req.body, req.idempotencyKey));
    await this.sessions.endHere(req.sid, 'logout');
    return { ok: true };
  }

  /** Fencing: another node declared this session dead while we could not renew its lease. */
  private async fenced(sid: string): Promise<void> {
    if (!this.local.owned.delete(sid)) return;
    this.deps.logger.warn({ sid }, 'lease lost: closing the XMPP connection');
    // Another node took it over: drop the connection without ending the stream, so it can resume it.
    if (this.deps.takeover && this.deps.pool.abandon) await this.deps.pool.abandon(sid);
    else await this.deps.pool.close(sid);
    this.sessions.retire(sid);
    this.deps.observe?.disconnect('fenced');
  }

  private async counted<T>(fn: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await fn();
    } finally {
      if (--this.inflight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Resolves when no action is being served, or after `graceMs`. */
  async drained(graceMs: number): Promise<void> {
    if (this.inflight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Forgets Idempotency-Keys past their window, and those of sessions that ended. */
  expire(now: number): void {
    for (const [key, entry] of this.idempotency) {
      if (now - entry.at > IDEMPOTENCY_WINDOW_MS || this.local.retired.has(entry.sid)) this.idempotency.delete(key);
    }
  }

  stop(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }
}

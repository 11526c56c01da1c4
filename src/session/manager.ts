// The session layer as the HTTP routes and the worker pool see it: one facade over its three parts,
// wired here — sessions.ts (login, logout, authentication, tickets), relay.ts (actions on the owning
// node, idempotency, fencing) and sweeper.ts (idle logout, dead owners, retention).
import { Attendance, ATTEND_ACTION, type StreamsTold } from './attendance.js';
import { LocalSessions, type SessionDeps, type SessionLogger } from './context.js';
import { type ActionResult, Relay } from './relay.js';
import { type LoginInput, type LoginResult, Sessions } from './sessions.js';
import { Sweeper } from './sweeper.js';
import { Takeovers } from './takeover.js';
import type { SessionRecord } from '../state/session-store.js';

export type { ActionResult } from './relay.js';
export type { SessionDeps, SessionPool } from './context.js';
export { resolveTarget, type LoginInput, type LoginResult } from './sessions.js';

export class SessionManager {
  private readonly local = new LocalSessions();
  private readonly sessions: Sessions;
  private readonly relay: Relay;
  private readonly sweeper: Sweeper;
  private readonly attendance: Attendance;
  /** Numbers this node's stream counts told to owners: the owner keeps the newest (attendance.ts). */
  private toldSeq = Date.now() * 1000; // above any number a former process of this node id used
  private readonly takeovers: Takeovers;

  constructor(private readonly deps: SessionDeps) {
    // Sessions reach owner nodes through the relay, which ends sessions through Sessions.
    this.sessions = new Sessions(deps, this.local, {
      toOwner: (record, req) => this.relay.toOwner(record, req),
      // Client state and other nodes' stream counts of an ended session (check() alone runs only with CSI on).
      retired: (sid) => this.attendance.forget(sid),
    });
    this.attendance = new Attendance(deps, this.local);
    this.relay = new Relay(deps, this.local, this.sessions, this.attendance);
    this.sweeper = new Sweeper(deps, this.local, this.sessions, this.relay);
    this.takeovers = new Takeovers(deps, this.local, this.sessions);
    this.relay.orphaned = () => this.takeovers.scanNow();
    this.sessions.onOwned = (sid) => this.takeovers.owned(sid);
    this.relay.start();
  }

  get isDraining(): boolean {
    return this.sessions.draining;
  }

  get ownedCount(): number {
    return this.local.owned.size;
  }

  /** Raw tokens held by the authentication cache (sessions.ts): tests check they go with their session. */
  get cachedTokens(): number {
    return this.sessions.cachedTokens;
  }

  get streamCount(): number {
    return this.local.streamCount;
  }

  login(input: LoginInput, anonymous: boolean, log?: SessionLogger): Promise<LoginResult> {
    return this.sessions.login(input, anonymous, log);
  }

  authenticate(token: string | undefined): Promise<SessionRecord> {
    return this.sessions.authenticate(token);
  }

  requireOnline(record: SessionRecord): void {
    this.sessions.requireOnline(record);
  }

  action(record: SessionRecord, name: string, body: unknown, idempotencyKey?: string): Promise<ActionResult> {
    return this.relay.action(record, name, body, idempotencyKey);
  }

  logout(record: SessionRecord, log?: SessionLogger): Promise<void> {
    return this.sessions.logout(record, log);
  }

  createTicket(record: SessionRecord): Promise<{ ticket: string; expiresIn: number }> {
    return this.sessions.createTicket(record);
  }

  fromTicket(ticket: string): Promise<SessionRecord> {
    return this.sessions.fromTicket(ticket);
  }

  keepTicket(ticket: string, sid: string): Promise<void> {
    return this.sessions.keepTicket(ticket, sid);
  }

  /** Has the session an open event stream on any node? Asked on its owner (Web Push sends nothing while it has). */
  hasStream(sid: string): Promise<boolean> {
    return this.attendance.hasStream(sid);
  }

  /** Serves an action on the owner node with `handler`, not the worker pool (relay.ts ownerActions). */
  serveOwnerAction(name: string, handler: (sid: string, body: unknown) => Promise<unknown>): void {
    this.relay.serveOwnerAction(name, handler);
  }

  streamOpened(sid: string): void {
    this.local.streams.set(sid, (this.local.streams.get(sid) ?? 0) + 1);
    // Automatic client state (attendance.ts): the owner hears of a stream at once, wherever it opened.
    if (this.local.owned.has(sid)) {
      if (this.attendance.enabled) void this.attendance.streamOpened(sid);
      return;
    }
    this.tellOwner(sid);
  }

  /** Tells the owner of a session this node's count of its streams (attendance.ts), when CSI or Web Push needs it. */
  private tellOwner(sid: string): void {
    if (!this.attendance.enabled && this.deps.config.pushVapidPublicKey === '') return;
    const body: StreamsTold = { node: this.deps.ownership.nodeId, streams: this.local.streams.get(sid) ?? 0, seq: ++this.toldSeq };
    void this.deps.store
      .get(sid)
      .then((record) =>
        record?.state === 'online' ? this.relay.toOwner(record, { op: 'action', sid, name: ATTEND_ACTION, body }) : undefined,
      )
      .catch((err) =>
        this.deps.logger.warn({ err, sid }, 'owner not told of this node’s streams: it learns of them at the next open or close'),
      );
  }

  /** Working webhooks make a session attended (automatic client state, attendance.ts). */
  attendedBy(attended: (sid: string) => boolean): void {
    this.attendance.attended = attended;
  }

  /** What the gateway last told the server for a session owned here, on its own (XEP-0352); undefined before anything. */
  clientState(sid: string): 'active' | 'inactive' | undefined {
    return this.attendance.told(sid);
  }

  /** Client state indications the gateway sent on its own on this node, by state (the benchmarks read it). */
  get clientStatesSent(): { active: number; inactive: number } {
    return { ...this.attendance.sent };
  }

  streamClosed(sid: string): void {
    const n = (this.local.streams.get(sid) ?? 1) - 1;
    if (n <= 0) this.local.streams.delete(sid);
    else this.local.streams.set(sid, n);
    const at = (this.deps.now ?? Date.now)();
    // The owner's own copy too: its client state check (attendance.ts) counts from here.
    const owned = this.local.owned.get(sid);
    if (owned) owned.lastActive = Math.max(owned.lastActive, at);
    void this.deps.store.touch(sid, at).catch(() => undefined);
    if (!owned) this.tellOwner(sid);
  }

  /** From the pool: an event for a session (`handled`: its XEP-0198 h, logged with it in takeover mode). */
  onEvent(sid: string, name: string, data: unknown, handled?: number): void {
    this.deps.observe?.event(name);
    // Event data is the worker's JSON; only its status is read here.
    if (this.deps.takeover && name === 'xmpp.connection' && (data as { status?: unknown } | null)?.status === 'reconnecting') {
      void this.takeovers.checkOwner(sid);
    }
    const appended = this.deps.log
      .append(sid, name, data, false, handled)
      .catch((err) => this.deps.logger.warn({ err, sid, event: name }, 'event not logged: readers will see a gap'));
    // Only a drain handover waits for them (takeover mode): a session's appends complete in order
    // (one connection, or memory), so the last one stands for all.
    if (!this.deps.takeover) return;
    this.local.appending.set(sid, appended);
    void appended.then(() => {
      if (this.local.appending.get(sid) === appended) this.local.appending.delete(sid);
    });
  }

  /** From the pool (takeover mode): a session's sealed takeover state changed. */
  onTakeover(sid: string, blob: string): void {
    this.takeovers.onTakeover(sid, blob);
  }

  /** From the pool (takeover mode): record h before the worker acks it to the server. */
  onAck(sid: string, h: number): Promise<void> {
    return this.takeovers.onAck(sid, h);
  }

  /** Takeover mode: look for dead nodes' sessions now (tests; the scan runs every third of LEASE_MS anyway). */
  scanOrphans(): void {
    this.takeovers.scanNow();
  }

  /** From the pool: the XMPP connection ended without a logout (network, server, worker death). */
  onClosed(sid: string, reason: string): Promise<void> {
    return this.sessions.onClosed(sid, reason);
  }

  sweep(): Promise<void> {
    return this.sweeper.sweep();
  }

  startSweeping(intervalMs: number): void {
    this.sweeper.start(intervalMs);
    this.attendance.start();
    this.takeovers.start(Math.max(100, Math.floor(this.deps.config.leaseMs / 3)));
  }

  /** Refuse new logins from now on (readiness goes down); sessions keep working until shutdown(). */
  startDraining(): void {
    this.sessions.draining = true;
  }

  /** Drain: refuse logins, let actions under way finish (bounded), end this node's sessions cleanly. */
  async shutdown(graceMs = 10000): Promise<void> {
    this.sessions.draining = true;
    await this.sweeper.stop();
    await this.takeovers.stop();
    await this.attendance.stop();
    await this.relay.drained(graceMs);
    // Takeover mode with another node alive: sessions move instead of ending (takeover.ts).
    await this.takeovers.handOverAll();
    await Promise.all([...this.local.owned.keys()].map((sid) => this.sessions.endHere(sid, 'shutdown', true).catch(() => undefined)));
    this.relay.stop();
    await this.deps.ownership.stop();
    await this.deps.bus.stop();
  }
}

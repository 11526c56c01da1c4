// Multi-node takeover (docs/api.md "Continuity", docs/adr/0001): the owner's worker keeps its
// sessions' sealed takeover state in Redis (written when it changes, fenced by the lease); when a
// node's heartbeat lapses, the survivors claim its sessions one by one (one atomic claim each: exactly
// one survivor wins) and resume their XMPP streams (XEP-0198 §5) with the sealed SCRAM keys. A
// session with no takeover state (no resumable stream) ends as before, with its reason.
import type { LocalSessions, SessionDeps } from './context.js';
import type { Sessions } from './sessions.js';

const DEAD = 'The node holding this session stopped';

export class Takeovers {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** States sealed during a login, before the session is owned here (its lease and record come after). */
  private readonly early = new Map<string, string>();

  constructor(
    private readonly deps: SessionDeps,
    private readonly local: LocalSessions,
    private readonly sessions: Sessions,
  ) {}

  get enabled(): boolean {
    return this.deps.takeover !== undefined && this.deps.pool.adopt !== undefined && this.deps.store.putTakeover !== undefined;
  }

  /** Looks for dead nodes' sessions every `intervalMs` (a third of LEASE_MS: found within a lease and a third). */
  start(intervalMs: number): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.scanNow(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** A scan now (an action found its owner's lease lapsed); one at a time, and one more if asked meanwhile. */
  scanNow(): void {
    if (!this.enabled || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.scan()
      .catch((err) => this.deps.logger.warn({ err }, 'takeover scan failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.scanNow();
        }
      });
  }

  /** The login finished: the state sealed meanwhile is written now. */
  owned(sid: string): void {
    const blob = this.early.get(sid);
    this.early.delete(sid);
    if (blob !== undefined) this.onTakeover(sid, blob);
  }

  /**
   * A session owned here is reconnecting: if another node holds its lease now (it took the session
   * over while this one could not renew in time), this node lets go at once instead of resuming the
   * stream back (which would end it on both sides).
   */
  async checkOwner(sid: string): Promise<void> {
    if (!this.enabled || !this.local.owned.has(sid)) return;
    const owner = await this.deps.ownership.ownerOf(sid).catch(() => this.deps.ownership.nodeId);
    if (owner === undefined || owner === this.deps.ownership.nodeId || !this.local.owned.delete(sid)) return;
    this.deps.logger.warn({ sid, owner }, 'lease lost: another node took the session over');
    await this.deps.pool.abandon?.(sid);
    this.sessions.retire(sid);
    this.deps.observe?.disconnect('fenced');
  }

  /** The worker sealed a new takeover state for a session owned here. */
  onTakeover(sid: string, blob: string): void {
    const put = this.deps.store.putTakeover;
    if (!put) return;
    if (!this.local.owned.has(sid)) {
      // A login under way (bounded by logins in flight; a failed one's entry lapses with the timer).
      this.early.set(sid, blob);
      setTimeout(() => this.early.delete(sid), this.deps.config.loginTimeoutMs + 5000).unref();
      return;
    }
    put
      .call(this.deps.store, sid, this.deps.ownership.nodeId, blob, undefined)
      .catch((err: unknown) => this.deps.logger.warn({ err, sid }, 'takeover state not written'));
  }

  /** h goes to the record before the server hears it: rejects (no <a/>) when fenced or Redis is away. */
  async onAck(sid: string, h: number): Promise<void> {
    const put = this.deps.store.putTakeover;
    if (!put || !this.local.owned.has(sid)) throw new Error('not owned here');
    if (!(await put.call(this.deps.store, sid, this.deps.ownership.nodeId, undefined, h))) throw new Error('fenced');
  }

  /**
   * Drain (SIGTERM) with another node alive: each session owned here is handed over instead of
   * ended: its worker stops reading it, seals its state with every stanza read counted, and drops the
   * connection without unavailable presence; the state is written, the lease given up, and a survivor
   * claims it once this node's heartbeat stops (manager.shutdown). The rest end cleanly, as before.
   */
  async handOverAll(): Promise<void> {
    const leases = this.deps.takeover;
    const { pool, store, ownership, logger } = this.deps;
    if (!leases || !this.enabled || !pool.handover || !store.putTakeover) return;
    if (!(await leases.othersAlive().catch(() => false))) return;
    await Promise.all(
      [...this.local.owned.keys()].map(async (sid) => {
        try {
          const handed = await pool.handover!(sid);
          if (!handed) return; // ended cleanly by the worker: the caller's endHere records it
          // The events the worker flushed before sealing reached the main thread before its answer: in the
          // log before the lease goes (an append after that would be the old owner's, refused).
          await this.local.appending.get(sid);
          const written = await store.putTakeover!(sid, ownership.nodeId, handed.blob, handed.h);
          this.local.owned.delete(sid);
          // Fenced: another node holds it already; nothing of it is this node's to end.
          if (!written) return this.sessions.retire(sid);
          await leases.handOff(sid);
          this.sessions.retire(sid);
          logger.info({ sid }, 'session handed over');
        } catch (err) {
          logger.warn({ err, sid }, 'handover failed: the session ends');
        }
      }),
    );
  }

  private async scan(): Promise<void> {
    const leases = this.deps.takeover;
    if (!leases) return;
    for (const { nodeId, sids } of await leases.orphans()) {
      for (const sid of sids) {
        if (this.stopped || this.sessions.draining) return;
        await this.takeOne(nodeId, sid).catch((err) => this.deps.logger.warn({ err, sid }, 'takeover failed'));
      }
    }
  }

  private async takeOne(from: string, sid: string): Promise<void> {
    const leases = this.deps.takeover!;
    const claim = await leases.claimTakeover(sid, from);
    if (claim.result === 'waiting') return;
    if (claim.result !== 'claimed') {
      await leases.forgetOrphan(from, sid);
      // No resumable stream to take: the session ends as it did before takeovers.
      if (claim.result === 'no-state') await this.sessions.declareDead(sid, DEAD);
      return;
    }
    const record = await this.deps.store.get(sid);
    if (!record || record.state !== 'online') {
      await this.deps.ownership.release(sid);
      return;
    }
    this.local.owned.set(sid, record);
    this.local.retired.delete(sid);
    const started = Date.now();
    try {
      // The h of the newest event the log holds: what the old owner handled after it last told the server.
      const logged = await this.deps.log.lastHandled(sid).catch(() => undefined);
      await this.deps.pool.adopt!(sid, claim.blob, claim.h, logged);
      this.deps.logger.info({ sid, from, h: claim.h, logged }, 'session taken over: resuming its XMPP stream');
    } catch (err) {
      const reason = `${DEAD}; taking it over failed: ${err instanceof Error ? err.message : String(err)}`;
      this.deps.logger.warn({ sid, from, ms: Date.now() - started }, 'takeover refused');
      await this.sessions.onClosed(sid, reason);
    }
  }
}

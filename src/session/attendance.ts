// Automatic client state indication (XEP-0352, docs/api.md "Client state"): the owner node of a session
// tells its server `inactive` when nobody has attended the session for CSI_IDLE_MS (no event stream on
// any node, no working webhook, no request), and `active` again as soon as a stream opens anywhere
// (or, within one check, when a request or a webhook attends it again).
//
// What the owner knows of attendance: its own streams (LocalSessions.streams) and webhooks (the
// `attended` hook), the requests of every node (an action elsewhere reaches the owner's record through
// the relay), and the streams of other nodes through the shared lastActive, which their sweepers touch
// every few seconds. A stream opening on another node is told to the owner at once (ATTEND_ACTION).
//
// A client that sends csi/active or csi/inactive itself takes over: from then on the gateway sends
// nothing automatic for that session (the client's last word holds).
import { GatewayError } from '../errors.js';
import type { LocalSessions, SessionDeps } from './context.js';

/** A relayed "a stream opened here" for the owner; never an HTTP action (those are area names). */
export const ATTEND_ACTION = '\u0000csi.attend';

/** The manual actions: once a session used one, automatic indication is off for it. */
const MANUAL = new Set(['csi.active', 'csi.inactive']);

/**
 * Other nodes' sweepers touch the shared lastActive of the sessions they stream every
 * min(5 s, IDLE_TIMEOUT_S / 4): a touch this old still means a stream is open there.
 */
const REMOTE_TOUCH_SLACK_MS = 10000;

type Told = 'active' | 'inactive';

interface AttendanceState {
  /** What the gateway last told the server; a session starts active (XEP-0352 §3). */
  told: Told;
  /** The client chose its state itself (csi/active, csi/inactive): hands off. */
  manual: boolean;
  /** The server offers no CSI (501): nothing to send, ever. */
  unsupported: boolean;
  /** A nonza under way: no second one before it is sent. */
  busy: boolean;
  /** When a stream on another node was last seen (relayed open, or its sweeper's touch); 0: never. */
  remoteAt: number;
}

export class Attendance {
  private readonly now: () => number;
  private readonly states = new Map<string, AttendanceState>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Working webhooks of a session on this node (set by the app once webhooks exist). */
  attended: (sid: string) => boolean = () => false;
  /** Nonzas sent automatically, for the benchmarks and metrics. */
  readonly sent = { active: 0, inactive: 0 };

  constructor(
    private readonly deps: SessionDeps,
    private readonly local: LocalSessions,
  ) {
    this.now = deps.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.deps.config.csiIdleMs > 0;
  }

  /** Checks every quarter of CSI_IDLE_MS (250 ms to 5 s): a session goes inactive at most that late. */
  start(): void {
    if (!this.enabled) return;
    const every = Math.min(5000, Math.max(250, Math.floor(this.deps.config.csiIdleMs / 4)));
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.check()
        .catch((err) => this.deps.logger.warn({ err }, 'client state check failed'))
        .finally(() => (this.running = undefined));
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private state(sid: string): AttendanceState {
    let s = this.states.get(sid);
    if (!s) {
      s = { told: 'active', manual: false, unsupported: false, busy: false, remoteAt: 0 };
      this.states.set(sid, s);
    }
    return s;
  }

  /** The owner ran an action of the session: a manual state indication turns the automatic one off. */
  actionRan(sid: string, name: string): void {
    if (MANUAL.has(name)) this.state(sid).manual = true;
  }

  /** What the gateway last told the server on its own, for tests and the benchmarks. */
  told(sid: string): Told | undefined {
    return this.states.get(sid)?.told;
  }

  /** A stream opened on this node (owner) or another one (relayed): active now, if it was told inactive. */
  async streamOpened(sid: string): Promise<void> {
    const record = this.local.owned.get(sid);
    if (!record) return;
    const now = this.now();
    record.lastActive = Math.max(record.lastActive, now);
    // Relayed from another node: its sweeper's first touch of the shared lastActive may come only after
    // CSI_IDLE_MS, so the relayed open itself stands for that stream meanwhile (for the touch slack).
    if (!this.local.streams.has(sid)) this.state(sid).remoteAt = now;
    await this.tell(sid, 'active');
  }

  /** The session ended here: forget it. */
  forget(sid: string): void {
    this.states.delete(sid);
  }

  /** One round over the sessions owned here. */
  async check(): Promise<void> {
    const now = this.now();
    const idleMs = this.deps.config.csiIdleMs;
    for (const sid of this.states.keys()) if (!this.local.owned.has(sid)) this.states.delete(sid);
    for (const [sid, record] of this.local.owned) {
      const s = this.states.get(sid);
      if (s?.manual || s?.unsupported) continue;
      const remoteSlack = Math.max(idleMs, REMOTE_TOUCH_SLACK_MS);
      let attended =
        this.local.streams.has(sid) || this.attended(sid) || now - record.lastActive < idleMs || now - (s?.remoteAt ?? 0) < remoteSlack;
      if (!attended) {
        // Idle as far as this node knows: a stream on another node shows in the shared lastActive.
        // A shared lastActive newer than this node's copy was touched by another node (its stream, or
        // a request it relayed): that one may be up to a sweep old. Asked for inactive sessions too:
        // a stream elsewhere makes them active again.
        const shared = await this.deps.store.get(sid).catch(() => undefined);
        if (shared === undefined) continue;
        if (shared.lastActive > record.lastActive && now - shared.lastActive < remoteSlack) {
          this.state(sid).remoteAt = shared.lastActive;
          attended = true;
        }
      }
      // Attended again (a request, a webhook, a stream whose own `active` lost a race with this round).
      if (s?.told === 'inactive') {
        if (attended) await this.tell(sid, 'active');
        continue;
      }
      if (!attended) await this.tell(sid, 'inactive');
    }
  }

  private async tell(sid: string, want: Told): Promise<void> {
    const s = this.state(sid);
    if (s.manual || s.unsupported || s.busy || s.told === want || !this.local.owned.has(sid)) return;
    s.busy = true;
    try {
      // The area's own action on the owning worker: the same nonza a client's csi/<state> sends (XEP-0352 §5).
      await this.deps.pool.call(sid, `csi.${want}`, {});
      s.told = want;
      this.sent[want]++;
    } catch (err) {
      // 501: the server offers no urn:xmpp:csi:0 (§4); nothing will ever be sent for this session.
      if (err instanceof GatewayError && err.status === 501) s.unsupported = true;
      else this.deps.logger.warn({ err, sid, state: want }, 'client state not sent');
    } finally {
      s.busy = false;
    }
  }
}

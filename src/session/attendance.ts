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
// Web Push (docs/api.md "Web Push") needs more than a hint: nothing is pushed while a stream is open
// anywhere. Every node tells the owner its count of streams of a session at each open and close
// (ATTEND_ACTION with `{ node, streams, seq }`), and the owner counts another node's streams only
// while that node's heartbeat lives (a node that died took its streams with it).
//
// A client that sends csi/active or csi/inactive itself takes over: from then on the gateway sends
// nothing automatic for that session (the client's last word holds).
import { GatewayError } from '../errors.js';
import type { LocalSessions, SessionDeps } from './context.js';

/** A relayed "streams here changed" for the owner; never an HTTP action (those are area names). */
export const ATTEND_ACTION = '\u0000csi.attend';

/** What ATTEND_ACTION carries: the sender's count of streams of the session, numbered so a late message loses to a newer one. */
export interface StreamsTold {
  node: string;
  streams: number;
  seq: number;
}

export function isStreamsTold(body: unknown): body is StreamsTold {
  if (body === null || typeof body !== 'object') return false;
  const b = body as Partial<Record<keyof StreamsTold, unknown>>; // probed field by field just below
  return typeof b.node === 'string' && Number.isInteger(b.streams) && Number.isInteger(b.seq);
}

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
  /** Streams of sessions owned here open on other nodes: by session, by node, their count and the message's seq. */
  private readonly remote = new Map<string, Map<string, { streams: number; seq: number }>>();
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

  /** Another node told its streams of a session owned here (ATTEND_ACTION). */
  async streamsElsewhere(sid: string, told: StreamsTold): Promise<void> {
    for (const known of this.remote.keys()) if (!this.local.owned.has(known)) this.remote.delete(known);
    if (!this.local.owned.has(sid)) return;
    let byNode = this.remote.get(sid);
    const last = byNode?.get(told.node);
    if (last && last.seq >= told.seq) return;
    if (!byNode) {
      byNode = new Map();
      this.remote.set(sid, byNode);
    }
    byNode.set(told.node, { streams: told.streams, seq: told.seq });
    if (told.streams > 0 && this.enabled) await this.streamOpened(sid);
  }

  /** Has a session owned here an open event stream on any node? (Web Push pushes only when none.) */
  async hasStream(sid: string): Promise<boolean> {
    if (this.local.streams.has(sid)) return true;
    const byNode = this.remote.get(sid);
    if (!byNode) return false;
    for (const [node, { streams }] of byNode) {
      if (streams <= 0) continue;
      // Shared state away: no verdict on the node, its streams still count.
      if (await this.deps.ownership.isAlive(node).catch(() => true)) return true;
      byNode.delete(node);
    }
    return false;
  }

  /** The session ended here: forget it. */
  forget(sid: string): void {
    this.states.delete(sid);
    this.remote.delete(sid);
  }

  /** One round over the sessions owned here. */
  async check(): Promise<void> {
    const now = this.now();
    const idleMs = this.deps.config.csiIdleMs;
    for (const sid of this.states.keys()) if (!this.local.owned.has(sid)) this.states.delete(sid);
    for (const sid of this.remote.keys()) if (!this.local.owned.has(sid)) this.remote.delete(sid);
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

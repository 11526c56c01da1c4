// Web Push (docs/api.md "Web Push"): a session's chosen events sent to the browser PushSubscriptions it
// registered, encrypted for the browser (RFC 8291, aes128gcm) and signed with the gateway's VAPID key
// (RFC 8292) by the `web-push` library; this file only chooses what to push and sends the request, so
// that the endpoint's connection keeps the allow-list's public-address lookup. As webhooks do, each
// subscription reads the session's event log from its own cursor; unlike them it skips what it does
// not push: a push is a notification, not a delivery log. Nothing is pushed while the session has an
// open event stream on any node (the client sees the events there). Registrations live in the memory
// of the node that owns the session and end with it: the session ends when its owner does, so shared
// state would outlive nothing. Other nodes relay the push requests to the owner (src/http/push.ts).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type webpush from 'web-push';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import { post } from '../outbound/post.js';
import type { EventLog, LoggedEvent } from '../state/event-log.js';
import type { SessionStore } from '../state/session-store.js';
import { pushPayload, type PushRule, wanted } from './rules.js';
import type { PushTarget } from './targets.js';

// web-push is required at the first push, not at every start (~40 ms of CPU) of a gateway that may
// never send one; it is CommonJS, so a synchronous require serves.
const require = createRequire(import.meta.url);
let loaded: typeof webpush | undefined;
// require() returns any; the module is the one the type import above describes.
const webPush = (): typeof webpush => (loaded ??= require('web-push') as typeof webpush);

export type PushConfig = Pick<
  Config,
  | 'pushVapidPublicKey'
  | 'pushVapidPrivateKey'
  | 'pushVapidSubject'
  | 'pushPerSession'
  | 'pushTimeoutMs'
  | 'pushAttempts'
  | 'pushRetryMs'
  | 'pushTtlS'
  | 'idleTimeoutS'
  | 'outboundCaFile'
>;

/** delivered: 2xx; gone: 404/410, the subscription expired (RFC 8030) and is removed; rejected: another 4xx; unreachable: attempts used up. */
export type PushOutcome = 'delivered' | 'gone' | 'rejected' | 'unreachable';

export interface PushDeps {
  config: PushConfig;
  log: EventLog;
  store: SessionStore;
  /** Does the session have an open event stream on any node? (Asked on the owner: src/session/attendance.ts.) */
  hasStream(sid: string): boolean | Promise<boolean>;
  logger: { warn(obj: object, msg: string): void };
  now?: () => number;
  observe?: { push(outcome: PushOutcome): void };
}

export interface PushKeys {
  p256dh: string;
  auth: string;
}

export interface PushInfo {
  id: string;
  endpoint: string;
  events?: string[];
  state: 'active' | 'failing';
  /** Pushes the push service accepted. */
  delivered: number;
  lastError?: string;
}

class Subscription {
  state: 'active' | 'failing' = 'active';
  lastError: string | undefined;
  delivered = 0;
  cursor: string | undefined;
  stopped = false;
  readonly abort = new AbortController();
  private dirty = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly sid: string,
    public target: PushTarget,
    public keys: PushKeys,
    public rule: PushRule,
  ) {}

  notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Resolves at the next notify() (or at once if one came since the last call), after `ms`, or at stop(). */
  wait(ms?: number): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    if (this.dirty && ms === undefined) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        if (ms === undefined) this.wake = undefined;
        resolve();
      };
      if (ms === undefined) this.wake = done;
      else timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done);
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  info(): PushInfo {
    return {
      id: this.id,
      endpoint: this.target.url.href,
      ...(this.rule.events && { events: [...this.rule.events] }),
      state: this.state,
      delivered: this.delivered,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    };
  }
}

export class Push {
  private readonly bySession = new Map<string, Map<string, Subscription>>();
  private readonly now: () => number;
  private readonly touchTimer: NodeJS.Timeout;
  private missing = new Set<string>();

  constructor(private readonly deps: PushDeps) {
    this.now = deps.now ?? Date.now;
    // A session with a working push subscription is attended, as one with an open stream: keep it from idling.
    let running = false;
    this.touchTimer = setInterval(
      () => {
        if (running) return;
        running = true;
        void this.touchAttended().finally(() => (running = false));
      },
      Math.max(250, deps.config.idleTimeoutS * 250),
    );
    this.touchTimer.unref();
  }

  get enabled(): boolean {
    return this.deps.config.pushVapidPublicKey !== '';
  }

  private async touchAttended(): Promise<void> {
    const at = this.now();
    const missing = new Set<string>();
    for (const [sid, subs] of this.bySession) {
      const record = await this.deps.store.get(sid).catch(() => null);
      if (record === undefined) {
        // The session is gone and its last event never reached the log: nothing more will come.
        if (this.missing.has(sid)) for (const sub of [...subs.values()]) this.remove(sub);
        else missing.add(sid);
        continue;
      }
      if ([...subs.values()].some((s) => s.state === 'active')) await this.deps.store.touch(sid, at).catch(() => undefined);
    }
    this.missing = missing;
  }

  /**
   * Registers a subscription that is pushed what the session logs from now on. The same endpoint again
   * on the session replaces its keys and events (a browser that subscribed again) and keeps its id.
   */
  async subscribe(sid: string, target: PushTarget, keys: PushKeys, events?: string[]): Promise<{ id: string }> {
    if (!this.enabled) throw errors.pushOff();
    const subs = this.bySession.get(sid) ?? new Map<string, Subscription>();
    const same = [...subs.values()].find((s) => s.target.url.href === target.url.href);
    // The nicks the session holds in rooms, learnt from what the log still holds (rooms joined before this call).
    const { events: logged } = await this.deps.log.read(sid, undefined);
    const rule: PushRule = { ...(events && { events: new Set(events) }), nicks: new Map() };
    for (const e of logged) wanted(rule, e.name, JSON.parse(e.data) as unknown);
    if (same) {
      same.keys = keys;
      same.target = target;
      same.rule = { ...rule, nicks: same.rule.nicks };
      return { id: same.id };
    }
    const max = this.deps.config.pushPerSession;
    if (subs.size >= max) throw errors.tooManyPushSubscriptions(max);
    const sub = new Subscription(`wp_${randomBytes(12).toString('base64url')}`, sid, target, keys, rule);
    sub.cursor = logged.at(-1)?.id;
    subs.set(sub.id, sub);
    this.bySession.set(sid, subs);
    void this.run(sub);
    return { id: sub.id };
  }

  /** Are pushes held back for the session (an event stream open on some node)? */
  async paused(sid: string): Promise<boolean> {
    return this.deps.hasStream(sid);
  }

  list(sid: string): PushInfo[] {
    return [...(this.bySession.get(sid)?.values() ?? [])].map((s) => s.info());
  }

  /** Removes the subscription with this id, or with this endpoint. */
  unsubscribe(sid: string, by: { id?: string; endpoint?: string }): void {
    const sub = [...(this.bySession.get(sid)?.values() ?? [])].find((s) => s.id === by.id || s.target.url.href === by.endpoint);
    if (!sub) throw errors.notFound('No push subscription with this id or endpoint on this session');
    this.remove(sub);
  }

  private remove(sub: Subscription): void {
    sub.stop();
    const subs = this.bySession.get(sub.sid);
    subs?.delete(sub.id);
    if (subs?.size === 0) this.bySession.delete(sub.sid);
  }

  stop(): void {
    clearInterval(this.touchTimer);
    for (const subs of this.bySession.values()) for (const sub of subs.values()) sub.stop();
    this.bySession.clear();
  }

  private async run(sub: Subscription): Promise<void> {
    const { log, logger, config } = this.deps;
    let unsubscribe: (() => void) | undefined;
    try {
      unsubscribe = await log.subscribe(
        sub.sid,
        () => sub.notify(),
        () => sub.notify(),
      );
      while (!sub.stopped) {
        let events: LoggedEvent[];
        try {
          ({ events } = await log.read(sub.sid, sub.cursor));
        } catch (err) {
          logger.warn({ err, push: sub.id }, 'push: event log not readable');
          await sub.wait(config.pushRetryMs);
          continue;
        }
        if (events.length === 0) {
          await sub.wait();
          continue;
        }
        let final = false;
        for (const e of events) {
          if (sub.stopped) break;
          sub.cursor = e.id;
          if (e.final) {
            final = true;
            break;
          }
          const data = JSON.parse(e.data) as unknown;
          // The rule runs on every event (it follows the session's nicks); only a stream decides against a push.
          if (!wanted(sub.rule, e.name, data) || (await this.deps.hasStream(sub.sid))) continue;
          await this.send(sub, pushPayload(e.id, e.name, data));
        }
        if (final) break;
      }
    } catch (err) {
      logger.warn({ err, push: sub.id }, 'push delivery stopped');
    } finally {
      unsubscribe?.();
      if (!sub.stopped) this.remove(sub);
    }
  }

  /** One push, retried with backoff after 429, 5xx, a timeout or a connection error; 404/410 end the subscription. */
  private async send(sub: Subscription, payload: string): Promise<void> {
    const { config, observe } = this.deps;
    let outcome: PushOutcome = 'unreachable';
    for (let attempt = 1; attempt <= config.pushAttempts && !sub.stopped; attempt++) {
      if (attempt > 1) await sub.wait(config.pushRetryMs * 2 ** (attempt - 2));
      if (sub.stopped) return;
      let details;
      try {
        details = webPush().generateRequestDetails({ endpoint: sub.target.url.href, keys: sub.keys }, payload, {
          vapidDetails: { subject: config.pushVapidSubject, publicKey: config.pushVapidPublicKey, privateKey: config.pushVapidPrivateKey },
          TTL: config.pushTtlS,
          urgency: 'high',
        });
      } catch (err) {
        // The keys were checked at registration: nothing else the library refuses can get better.
        sub.lastError = err instanceof Error ? err.message : String(err);
        sub.state = 'failing';
        observe?.push('rejected');
        return;
      }
      const result = await post(sub.target, {
        headers: { ...details.headers, 'user-agent': 'xmpp-ftw-gateway-push' },
        body: details.body,
        timeoutMs: config.pushTimeoutMs,
        signal: sub.abort.signal,
        caFile: config.outboundCaFile,
      });
      if (result.status >= 200 && result.status < 300) {
        sub.state = 'active';
        sub.lastError = undefined;
        sub.delivered++;
        observe?.push('delivered');
        return;
      }
      sub.lastError = result.error;
      if (result.status === 404 || result.status === 410) {
        observe?.push('gone');
        this.remove(sub);
        return;
      }
      // 429 and 5xx may pass; another 4xx is the same however often it is sent.
      if (result.status !== 0 && result.status !== 429 && result.status < 500) {
        outcome = 'rejected';
        break;
      }
    }
    if (sub.stopped) return;
    sub.state = 'failing';
    observe?.push(outcome);
  }
}

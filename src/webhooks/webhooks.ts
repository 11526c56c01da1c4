// Webhooks (docs/api.md "Webhooks"): a session's events POSTed to the URLs it registered, read from the
// same event log as GET /v1/events. Each webhook has its own cursor and one delivery at a time: a
// batch `{ webhook, events: [...] }` of what follows the cursor, retried with exponential backoff until
// the receiver answers 2xx, and only then the cursor moves on (at-least-once, in log order). After
// WEBHOOK_ATTEMPTS failures in a row the webhook is `failing`: it pauses WEBHOOK_RETRY_MAX_MS and tries
// the same cursor again; events the log dropped meanwhile are announced by an `xmpp.gateway.gap` entry.
//
// Registrations and cursors live in the shared webhook store (src/state/webhook-store.ts), so any node
// registers, lists and deletes them. One node at a time delivers a webhook: the one holding its lease
// (LEASE_MS, renewed every third of it). A node that stops renewing (killed, or cut off from Redis)
// loses it to another, which resumes from the last acknowledged cursor with the same message ids, so
// a receiver deduplicates what it got twice. A node delivers only while its lease is known to be
// valid, and the store writes a cursor only for the lease's holder (fencing).
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import { post } from '../outbound/post.js';
import type { EventLog, LoggedEvent } from '../state/event-log.js';
import type { Ownership } from '../state/ownership.js';
import type { SessionStore } from '../state/session-store.js';
import type { StoredWebhook, WebhookProgress, WebhookRegistration, WebhookStore } from '../state/webhook-store.js';
import { newWebhookSecret, secretKey, sign } from './signature.js';
import { targetFor, type WebhookTarget } from './targets.js';

export type WebhookConfig = Pick<
  Config,
  | 'webhooksPerSession'
  | 'webhookTimeoutMs'
  | 'outboundCaFile'
  | 'webhookAttempts'
  | 'webhookRetryBaseMs'
  | 'webhookRetryMaxMs'
  | 'webhookBatchMax'
  | 'webhookAllowedHosts'
  | 'idleTimeoutS'
  | 'leaseMs'
  | 'eventBufferAgeS'
>;

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

export interface WebhookDeps {
  config: WebhookConfig;
  log: EventLog;
  store: SessionStore;
  webhooks: WebhookStore;
  ownership: Pick<Ownership, 'ownerOf'>;
  logger: { warn(obj: object, msg: string): void };
  now?: () => number;
  observe?: { webhook(outcome: DeliveryOutcome): void };
}

/** One entry of a delivery: a logged event with its cursor, or a gap note (no id, like the SSE stream's). */
export interface DeliveredEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface WebhookInfo {
  id: string;
  url: string;
  events?: string[];
  state: 'active' | 'failing';
  /** The cursor of the last event the receiver acknowledged. */
  lastEventId?: string;
  lastError?: string;
  /** Events logged after lastEventId, not acknowledged yet (the webhook's queue). */
  pending: number;
}

/** What this node delivers now, for the metrics. */
export interface WebhookBacklog {
  /** Webhooks whose lease this node holds. */
  delivering: number;
  /** Events not acknowledged yet, summed per session over its webhooks delivered here. */
  bySession: number[];
}

/** Always delivered, whatever the filter: the receiver must learn that events were missed or the session ended. */
const ALWAYS = new Set(['xmpp.gateway.gap']);

/** While subscribed, the log is read again this often anyway: a lost notification delays, never stops, a webhook. */
const POLL_MS = 5000;

class Hook {
  readonly key: Buffer;
  progress: WebhookProgress;
  /** Events after the cursor at the last read, not acknowledged yet. */
  pending = 0;
  /** Until when this node's lease is known to be valid (counted from before the renewal was sent). */
  leaseUntil: number;
  /** The last progress could not be written (shared state away): the next renewal writes it. */
  unsaved = false;
  stopped = false;
  readonly abort = new AbortController();
  private dirty = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly registration: WebhookRegistration,
    progress: WebhookProgress,
    readonly target: WebhookTarget,
    leaseUntil: number,
  ) {
    this.key = secretKey(registration.secret);
    this.progress = { ...progress };
    this.leaseUntil = leaseUntil;
  }

  get id(): string {
    return this.registration.id;
  }

  get sid(): string {
    return this.registration.sid;
  }

  get filter(): ReadonlySet<string> | undefined {
    return this.registration.events && new Set(this.registration.events);
  }

  notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Resolves at the next notify() (at once if one came since the last call), after `fallbackMs`, or at stop(). */
  waitEvent(fallbackMs: number): Promise<void> {
    if (this.dirty || this.abort.signal.aborted) {
      this.dirty = false;
      return Promise.resolve();
    }
    return this.sleep(fallbackMs, true);
  }

  /** Resolves after `ms`, or at stop() (and at notify() when `woken`). */
  sleep(ms: number, woken = false): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        if (woken) {
          this.wake = undefined;
          this.dirty = false;
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (woken) this.wake = done;
      this.abort.signal.addEventListener('abort', done);
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  stored(): StoredWebhook {
    return { ...this.registration, progress: { ...this.progress } };
  }
}

const keyOf = (sid: string, id: string) => `${sid} ${id}`;

function infoOf(w: StoredWebhook, pending: number): WebhookInfo {
  const p = w.progress;
  return {
    id: w.id,
    url: w.url,
    ...(w.events && { events: [...w.events] }),
    state: p.state,
    ...(p.cursor !== undefined && { lastEventId: p.cursor }),
    ...(p.lastError !== undefined && { lastError: p.lastError }),
    pending,
  };
}

export class Webhooks {
  /** The webhooks this node delivers (holds the lease of). */
  private readonly running = new Map<string, Hook>();
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribeRemoved: (() => void) | undefined;
  private stopping = false;
  /** Stored URLs this node may not reach (another node's allow-list): warned about once. */
  private readonly refused = new Set<string>();
  /** Sessions found without a record in the last round: a second miss ends their webhooks. */
  private missing = new Set<string>();

  constructor(private readonly deps: WebhookDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts renewing leases, taking over webhooks nobody delivers, and keeping attended sessions from idling. */
  async start(): Promise<void> {
    const { config, webhooks, logger } = this.deps;
    try {
      this.unsubscribeRemoved = await webhooks.onRemoved((sid, id) => {
        const hook = this.running.get(keyOf(sid, id));
        if (hook) this.drop(hook);
      });
    } catch (err) {
      // Without the notices a removal still stops the delivery at the next renewal ("gone").
      logger.warn({ err }, 'webhook: removal notices not subscribed');
    }
    const every = (ms: number, fn: () => Promise<void>) => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy || this.stopping) return;
        busy = true;
        void fn()
          .catch((err) => logger.warn({ err }, 'webhook: round failed'))
          .finally(() => (busy = false));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.max(100, Math.floor(config.leaseMs / 3)), () => this.round());
    // A session with a working webhook is attended, as one with an open stream: keep it from idling.
    // As often as the sweeper runs (every 5 s at most), which also notices dead owners.
    every(Math.min(5000, Math.max(250, config.idleTimeoutS * 250)), () => this.touchAttended());
  }

  /** Registers a webhook that receives what the session logs from now on; the secret is returned only here. */
  async register(sid: string, target: WebhookTarget, events?: string[]): Promise<{ id: string; secret: string }> {
    const { config, log, webhooks } = this.deps;
    const max = config.webhooksPerSession;
    if ((await webhooks.list(sid)).length >= max) throw errors.tooManyWebhooks(max);
    // Its first cursor: the newest event logged now (what came before is the SSE replay's business).
    const { events: logged } = await log.read(sid, undefined);
    const secret = newWebhookSecret();
    const cursor = logged.at(-1)?.id;
    const stored: StoredWebhook = {
      id: `wh_${randomBytes(12).toString('base64url')}`,
      sid,
      url: target.url.href,
      ...(events && { events: [...events] }),
      secret,
      createdAt: this.now(),
      progress: { state: 'active', ...(cursor !== undefined && { cursor }) },
    };
    const sentAt = this.now();
    if (!(await webhooks.add(stored, max, config.leaseMs))) throw errors.tooManyWebhooks(max);
    this.launch(new Hook(stored, stored.progress, target, sentAt + config.leaseMs));
    return { id: stored.id, secret };
  }

  /** The session's webhooks as any node sees them (the cursor of the last acknowledged delivery). */
  async list(sid: string): Promise<WebhookInfo[]> {
    const stored = await this.deps.webhooks.list(sid);
    // A data set being restored (Redis lost it): the node delivering them writes them back within a lease.
    if (stored.length === 0) await this.assertTrusted();
    return Promise.all(
      stored.map(async (w) => {
        // Delivered here: the hook's own progress is the freshest.
        const here = this.running.get(keyOf(sid, w.id));
        const current = here ? here.stored() : w;
        const pending = await this.deps.log
          .read(sid, current.progress.cursor)
          .then((r) => r.events.length)
          .catch(() => here?.pending ?? 0);
        return infoOf(current, pending);
      }),
    );
  }

  async delete(sid: string, id: string): Promise<void> {
    const hook = this.running.get(keyOf(sid, id));
    if (hook) this.drop(hook);
    if (!(await this.deps.webhooks.remove(sid, id))) {
      await this.assertTrusted();
      throw errors.notFound('No webhook with this id on this session');
    }
  }

  private async assertTrusted(): Promise<void> {
    if (!(await this.deps.webhooks.trusted()))
      throw errors.unavailable('Shared state is being restored after a Redis restart; retry shortly');
  }

  /** What this node delivers: webhooks, and unacknowledged events per session. */
  backlog(): WebhookBacklog {
    const bySession = new Map<string, number>();
    for (const hook of this.running.values()) bySession.set(hook.sid, (bySession.get(hook.sid) ?? 0) + hook.pending);
    return { delivering: this.running.size, bySession: [...bySession.values()] };
  }

  /**
   * Whether a webhook delivered by this node works for the session (synchronous, for the CSI
   * attendance check). One delivered by another node refreshes the shared lastActive instead.
   */
  attends(sid: string): boolean {
    for (const hook of this.running.values()) if (hook.sid === sid && hook.progress.state === 'active') return true;
    return false;
  }

  /** Stops every delivery here (the node closes) and gives the leases up, for another node to carry on. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.unsubscribeRemoved?.();
    const hooks = [...this.running.values()];
    for (const hook of hooks) this.drop(hook);
    await Promise.all(hooks.map((h) => this.deps.webhooks.release(h.sid, h.id).catch(() => undefined)));
  }

  private launch(hook: Hook): void {
    // A round may find a webhook registered here while its registration was still under way: one delivery loop each.
    if (this.running.has(keyOf(hook.sid, hook.id))) return;
    this.running.set(keyOf(hook.sid, hook.id), hook);
    void this.run(hook);
  }

  /** Stops delivering here; the stored webhook is left as it is. */
  private drop(hook: Hook): void {
    hook.stop();
    if (this.running.get(keyOf(hook.sid, hook.id)) === hook) this.running.delete(keyOf(hook.sid, hook.id));
  }

  /** The webhook is over (its session ended): removed everywhere. */
  private async end(hook: Hook): Promise<void> {
    this.drop(hook);
    await this.deps.webhooks.remove(hook.sid, hook.id).catch((err) => {
      // Left in the store, it is found again and ended by whichever node takes it (its session is gone).
      this.deps.logger.warn({ err, webhook: hook.id }, 'webhook: not removed yet');
    });
  }

  /** One round: renew this node's leases, then take over webhooks whose lease lapsed. */
  private async round(): Promise<void> {
    for (const hook of [...this.running.values()]) await this.renew(hook).catch(() => undefined);
    await this.adopt();
  }

  private async renew(hook: Hook): Promise<void> {
    const { webhooks, config, logger } = this.deps;
    const sentAt = this.now();
    const held = await webhooks.hold(hook.sid, hook.id, config.leaseMs);
    if (hook.stopped) return;
    if (held === 'held') {
      hook.leaseUntil = sentAt + config.leaseMs;
      if (hook.unsaved) await this.save(hook);
      return;
    }
    if (held === 'taken') {
      // Our lease lapsed (shared state was away longer than LEASE_MS) and another node took it over.
      logger.warn({ webhook: hook.id }, 'webhook: delivered by another node now');
      return this.drop(hook);
    }
    // Gone: deleted, or lost with a Redis data set (then written back from here, cursor included).
    if (!(await webhooks.trusted())) {
      await webhooks.restore(hook.stored(), config.leaseMs);
      hook.leaseUntil = sentAt + config.leaseMs;
      logger.warn({ webhook: hook.id }, 'webhook restored after a Redis loss');
      return;
    }
    this.drop(hook);
  }

  private async adopt(): Promise<void> {
    const { webhooks, config, logger } = this.deps;
    for (const { sid, id } of await webhooks.all()) {
      if (this.stopping) return;
      if (this.running.has(keyOf(sid, id))) continue;
      const sentAt = this.now();
      const held = await webhooks.hold(sid, id, config.leaseMs).catch(() => 'taken' as const);
      if (held === 'taken') continue;
      if (held === 'gone') {
        if (await webhooks.trusted().catch(() => false)) await webhooks.forget(sid, id).catch(() => undefined);
        continue;
      }
      const stored = await webhooks.get(sid, id).catch(() => undefined);
      const target = stored && targetFor(config.webhookAllowedHosts, stored.url);
      if (!stored || !target || this.stopping) {
        if (stored && !target && !this.refused.has(id)) {
          this.refused.add(id);
          logger.warn({ webhook: id }, 'webhook: its URL is not allowed by this node (WEBHOOK_ALLOWED_HOSTS): left to another node');
        }
        await webhooks.release(sid, id).catch(() => undefined);
        continue;
      }
      this.launch(new Hook(stored, stored.progress, target, sentAt + config.leaseMs));
    }
  }

  /**
   * For the sessions delivered here: keep those with an active webhook from idling; end the webhooks
   * of a session that vanished; and notice an owner that died, as the sweeper does for a session
   * streamed here (README, "Failover timing"), so that its last event is logged and delivered.
   */
  private async touchAttended(): Promise<void> {
    const { store, ownership, log, config } = this.deps;
    const at = this.now();
    const bySession = new Map<string, Hook[]>();
    for (const hook of this.running.values()) bySession.set(hook.sid, [...(bySession.get(hook.sid) ?? []), hook]);
    const missing = new Set<string>();
    for (const [sid, hooks] of bySession) {
      const record = await store.get(sid).catch(() => null);
      if (record === undefined) {
        // The session is gone and its last event never reached the log: nothing more will come.
        if (this.missing.has(sid)) for (const hook of hooks) await this.end(hook);
        else missing.add(sid);
        continue;
      }
      if (record?.state !== 'online') continue;
      if (hooks.some((h) => h.progress.state === 'active')) await store.touch(sid, at).catch(() => undefined);
      if ((await ownership.ownerOf(sid).catch(() => 'unknown')) === undefined) {
        const reason = 'The node holding this session stopped';
        if (await store.markGone(sid, reason, at, config.eventBufferAgeS * 1000).catch(() => false)) {
          await log.append(sid, 'xmpp.error', errors.disconnected(reason).body, true).catch(() => undefined);
        }
      }
    }
    this.missing = missing;
  }

  /** Writes the hook's progress (fenced by its lease); kept for the next renewal when shared state is away. */
  private async save(hook: Hook): Promise<void> {
    try {
      const saved = await this.deps.webhooks.saveProgress(hook.sid, hook.id, { ...hook.progress });
      hook.unsaved = false;
      // Not ours any more (or gone): no delivery until a renewal says which.
      if (!saved) hook.leaseUntil = 0;
    } catch {
      hook.unsaved = true;
    }
  }

  /** Is the lease known to be valid? Renews it once it is not (and drops the hook if it was lost). */
  private async leased(hook: Hook): Promise<boolean> {
    if (this.now() < hook.leaseUntil) return true;
    await this.renew(hook).catch(() => undefined);
    return !hook.stopped && this.now() < hook.leaseUntil;
  }

  private async run(hook: Hook): Promise<void> {
    const { log, config, logger } = this.deps;
    let unsubscribe: (() => void) | undefined;
    let finished = false;
    try {
      while (!hook.stopped) {
        if (!unsubscribe) {
          try {
            unsubscribe = await log.subscribe(
              hook.sid,
              () => hook.notify(),
              () => hook.notify(),
            );
          } catch (err) {
            // Shared state away: read on a timer meanwhile, and subscribe again on the next turn.
            logger.warn({ err, webhook: hook.id }, 'webhook: event log subscription failed; retrying');
          }
          if (hook.stopped) break;
        }
        let read;
        try {
          read = await log.read(hook.sid, hook.progress.cursor);
        } catch (err) {
          // Shared state away: try again later from the same cursor.
          logger.warn({ err, webhook: hook.id }, 'webhook: event log not readable');
          await hook.sleep(config.webhookRetryBaseMs);
          continue;
        }
        hook.pending = read.events.length;
        const slice = read.events.slice(0, config.webhookBatchMax);
        const gapFirst = read.gap && hook.progress.cursor !== undefined && hook.progress.gapReportedAt !== hook.progress.cursor;
        const batch = this.batchOf(hook, slice, gapFirst);
        if (batch.length === 0 && slice.length === 0) {
          await hook.waitEvent(unsubscribe ? POLL_MS : config.webhookRetryBaseMs);
          continue;
        }
        if (batch.length > 0) {
          const outcome = await this.deliver(hook, batch, messageKey(hook, slice, gapFirst));
          if (hook.stopped) break;
          if (outcome === 'paused') {
            await hook.sleep(config.webhookRetryBaseMs);
            continue;
          }
          if (outcome === 'failed') {
            hook.progress.state = 'failing';
            this.deps.observe?.webhook('failed');
            await this.save(hook);
            await hook.sleep(config.webhookRetryMaxMs);
            continue;
          }
        }
        const p = hook.progress;
        p.state = 'active';
        delete p.lastError;
        if (gapFirst) p.gapReportedAt = p.cursor;
        const last = slice.at(-1);
        if (last) p.cursor = last.id;
        hook.pending = Math.max(0, hook.pending - slice.length);
        await this.save(hook);
        if (slice.some((e) => e.final)) {
          finished = true;
          break;
        }
      }
    } catch (err) {
      // A bug, not the network: stop here and give the lease up, so that a node takes it again (and logs again).
      logger.warn({ err, webhook: hook.id }, 'webhook delivery stopped');
      this.drop(hook);
      await this.deps.webhooks.release(hook.sid, hook.id).catch(() => undefined);
    } finally {
      unsubscribe?.();
      // The session ended: its final event went out.
      if (finished) await this.end(hook);
    }
  }

  /** What goes out: the filtered events, each hole in the log (or a cursor it no longer holds) as a gap note. */
  private batchOf(hook: Hook, slice: LoggedEvent[], gapFirst: boolean): DeliveredEvent[] {
    const out: DeliveredEvent[] = [];
    const filter = hook.filter;
    const gap = (after: string | undefined) => {
      out.push({
        event: 'xmpp.gateway.gap',
        data: { description: 'Some events are no longer buffered and were missed', after: after ?? null },
      });
    };
    if (gapFirst) gap(hook.progress.cursor);
    let prev = gapFirst ? undefined : hook.progress.cursor;
    for (const e of slice) {
      if (prev !== undefined && !this.deps.log.isContiguous(prev, e.id)) gap(prev);
      prev = e.id;
      if (!filter || filter.has(e.name) || ALWAYS.has(e.name) || e.final) {
        // Logged as one line of JSON by the log itself.
        out.push({ id: e.id, event: e.name, data: JSON.parse(e.data) as unknown });
      }
    }
    return out;
  }

  /**
   * One message, retried with backoff until a 2xx: 'failed' once WEBHOOK_ATTEMPTS failed (or the webhook
   * stopped); 'paused' when this node cannot confirm its lease (shared state away): nothing is sent then.
   */
  private async deliver(hook: Hook, events: DeliveredEvent[], key: string): Promise<'delivered' | 'failed' | 'paused'> {
    const { config } = this.deps;
    const body = JSON.stringify({ webhook: hook.id, events });
    // The same id on every attempt of this message, on any node (Standard Webhooks: the receiver's idempotency key).
    const msgId = `msg_${hook.id.slice(3)}_${key}`;
    for (let attempt = 1; attempt <= config.webhookAttempts && !hook.stopped; attempt++) {
      if (attempt > 1) {
        this.deps.observe?.webhook('retry');
        await hook.sleep(Math.min(config.webhookRetryBaseMs * 2 ** (attempt - 2), config.webhookRetryMaxMs));
        if (hook.stopped) return 'failed';
      }
      if (!(await this.leased(hook))) return 'paused';
      const timestamp = Math.floor(this.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'xmpp-ftw-gateway-webhooks',
        'webhook-id': msgId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(hook.key, msgId, timestamp, body),
      };
      const result = await post(hook.target, {
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        body,
        timeoutMs: config.webhookTimeoutMs,
        signal: hook.abort.signal,
        caFile: config.outboundCaFile,
      });
      // A 2xx within the timeout is success; redirects are not followed (they are failures).
      if (result.error === undefined) {
        this.deps.observe?.webhook('delivered');
        return 'delivered';
      }
      hook.progress.lastError = result.error;
    }
    return 'failed';
  }
}

/**
 * What names a message among the webhook's: the last event it carries, which the next message follows. A
 * gap note alone (the log holds nothing newer) carries none: it is named after the cursor it follows.
 */
function messageKey(hook: Hook, slice: LoggedEvent[], gapFirst: boolean): string {
  const last = slice.at(-1)?.id;
  if (last !== undefined) return last;
  return `${hook.progress.cursor ?? 'start'}${gapFirst ? '_gap' : ''}`;
}

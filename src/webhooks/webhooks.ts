// Webhooks (docs/api.md "Webhooks"): a session's events POSTed to the URLs it registered, read from the
// same event log as GET /v1/events. Each webhook has its own cursor and one delivery at a time: a
// batch `{ webhook, events: [...] }` of what follows the cursor, retried with exponential backoff until
// the receiver answers 2xx, and only then the cursor moves on (at-least-once, in log order). After
// WEBHOOK_ATTEMPTS failures in a row the webhook is `failing`: it pauses WEBHOOK_RETRY_MAX_MS and tries
// the same cursor again; events the log dropped meanwhile are announced by an `xmpp.gateway.gap` entry.
// Registrations live in the memory of the node that owns the session (its XMPP connection): a node
// restart forgets them, as it ends the session.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import type { EventLog, LoggedEvent } from '../state/event-log.js';
import type { SessionStore } from '../state/session-store.js';
import { newWebhookSecret, secretKey, sign } from './signature.js';
import type { WebhookTarget } from './targets.js';

export type WebhookConfig = Pick<
  Config,
  | 'webhooksPerSession'
  | 'webhookTimeoutMs'
  | 'webhookAttempts'
  | 'webhookRetryBaseMs'
  | 'webhookRetryMaxMs'
  | 'webhookBatchMax'
  | 'idleTimeoutS'
>;

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

export interface WebhookDeps {
  config: WebhookConfig;
  log: EventLog;
  store: SessionStore;
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
}

/** Always delivered, whatever the filter: the receiver must learn that events were missed or the session ended. */
const ALWAYS = new Set(['xmpp.gateway.gap']);

class Hook {
  readonly key: Buffer;
  state: 'active' | 'failing' = 'active';
  lastError: string | undefined;
  /** Cursor of the last acknowledged (or skipped) event; undefined: nothing was logged at registration. */
  cursor: string | undefined;
  /** The cursor a gap was last reported after: a log that holds nothing newer would report it again and again. */
  gapReportedAt: string | undefined;
  stopped = false;
  readonly abort = new AbortController();
  private dirty = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly sid: string,
    readonly target: WebhookTarget,
    readonly filter: ReadonlySet<string> | undefined,
    secret: string,
  ) {
    this.key = secretKey(secret);
  }

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

  info(): WebhookInfo {
    return {
      id: this.id,
      url: this.target.url.href,
      ...(this.filter && { events: [...this.filter] }),
      state: this.state,
      ...(this.cursor !== undefined && { lastEventId: this.cursor }),
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    };
  }
}

export class Webhooks {
  private readonly bySession = new Map<string, Map<string, Hook>>();
  private readonly now: () => number;
  private readonly touchTimer: NodeJS.Timeout;

  constructor(private readonly deps: WebhookDeps) {
    this.now = deps.now ?? Date.now;
    // A session with a working webhook is attended, as one with an open stream: keep it from idling.
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

  /** Sessions found without a record in the last round: a second miss ends their webhooks. */
  private missing = new Set<string>();

  private async touchAttended(): Promise<void> {
    const at = this.now();
    const missing = new Set<string>();
    for (const [sid, hooks] of this.bySession) {
      const record = await this.deps.store.get(sid).catch(() => null);
      if (record === undefined) {
        // The session is gone and its last event never reached the log: nothing more will come.
        if (this.missing.has(sid)) for (const hook of [...hooks.values()]) this.remove(hook);
        else missing.add(sid);
        continue;
      }
      if ([...hooks.values()].some((h) => h.state === 'active')) await this.deps.store.touch(sid, at).catch(() => undefined);
    }
    this.missing = missing;
  }

  /** Registers a webhook that receives what the session logs from now on; the secret is returned only here. */
  async register(sid: string, target: WebhookTarget, events?: string[]): Promise<{ id: string; secret: string }> {
    const hooks = this.bySession.get(sid) ?? new Map<string, Hook>();
    const max = this.deps.config.webhooksPerSession;
    if (hooks.size >= max) throw errors.tooManyWebhooks(max);
    // Its first cursor: the newest event logged now (what came before is the SSE replay's business).
    const { events: logged } = await this.deps.log.read(sid, undefined);
    if (hooks.size >= max) throw errors.tooManyWebhooks(max);
    const secret = newWebhookSecret();
    const hook = new Hook(`wh_${randomBytes(12).toString('base64url')}`, sid, target, events && new Set(events), secret);
    hook.cursor = logged.at(-1)?.id;
    hooks.set(hook.id, hook);
    this.bySession.set(sid, hooks);
    void this.run(hook);
    return { id: hook.id, secret };
  }

  list(sid: string): WebhookInfo[] {
    return [...(this.bySession.get(sid)?.values() ?? [])].map((h) => h.info());
  }

  delete(sid: string, id: string): void {
    const hook = this.bySession.get(sid)?.get(id);
    if (!hook) throw errors.notFound('No webhook with this id on this session');
    this.remove(hook);
  }

  private remove(hook: Hook): void {
    hook.stop();
    const hooks = this.bySession.get(hook.sid);
    hooks?.delete(hook.id);
    if (hooks?.size === 0) this.bySession.delete(hook.sid);
  }

  /** Stops every delivery (the node closes); requests under way are aborted. */
  stop(): void {
    clearInterval(this.touchTimer);
    for (const hooks of this.bySession.values()) for (const hook of hooks.values()) hook.stop();
    this.bySession.clear();
  }

  private async run(hook: Hook): Promise<void> {
    const { log, config, logger } = this.deps;
    let unsubscribe: (() => void) | undefined;
    try {
      unsubscribe = await log.subscribe(
        hook.sid,
        () => hook.notify(),
        () => hook.notify(),
      );
      while (!hook.stopped) {
        let read;
        try {
          read = await log.read(hook.sid, hook.cursor);
        } catch (err) {
          // Shared state away: try again later from the same cursor.
          logger.warn({ err, webhook: hook.id }, 'webhook: event log not readable');
          await hook.wait(config.webhookRetryBaseMs);
          continue;
        }
        const slice = read.events.slice(0, config.webhookBatchMax);
        const gapFirst = read.gap && hook.cursor !== undefined && hook.gapReportedAt !== hook.cursor;
        const batch = this.batchOf(hook, slice, gapFirst);
        if (batch.length === 0) {
          if (slice.length === 0) {
            await hook.wait();
            continue;
          }
        } else if (!(await this.deliver(hook, batch, messageKey(hook, slice, gapFirst)))) {
          if (hook.stopped) break;
          hook.state = 'failing';
          this.deps.observe?.webhook('failed');
          await hook.wait(config.webhookRetryMaxMs);
          continue;
        }
        hook.state = 'active';
        hook.lastError = undefined;
        if (gapFirst) hook.gapReportedAt = hook.cursor;
        const last = slice.at(-1);
        if (last) hook.cursor = last.id;
        if (slice.some((e) => e.final)) break;
      }
    } catch (err) {
      logger.warn({ err, webhook: hook.id }, 'webhook delivery stopped');
    } finally {
      unsubscribe?.();
      // The session ended (its final event went out) or the webhook was deleted.
      if (!hook.stopped) this.remove(hook);
    }
  }

  /** What goes out: the filtered events, each hole in the log (or a cursor it no longer holds) as a gap note. */
  private batchOf(hook: Hook, slice: LoggedEvent[], gapFirst: boolean): DeliveredEvent[] {
    const out: DeliveredEvent[] = [];
    const gap = (after: string | undefined) => {
      out.push({
        event: 'xmpp.gateway.gap',
        data: { description: 'Some events are no longer buffered and were missed', after: after ?? null },
      });
    };
    if (gapFirst) gap(hook.cursor);
    let prev = gapFirst ? undefined : hook.cursor;
    for (const e of slice) {
      if (prev !== undefined && !this.deps.log.isContiguous(prev, e.id)) gap(prev);
      prev = e.id;
      if (!hook.filter || hook.filter.has(e.name) || ALWAYS.has(e.name) || e.final) {
        // Logged as one line of JSON by the log itself.
        out.push({ id: e.id, event: e.name, data: JSON.parse(e.data) as unknown });
      }
    }
    return out;
  }

  /** One message, retried with backoff until a 2xx; false once WEBHOOK_ATTEMPTS failed (or the webhook stopped). */
  private async deliver(hook: Hook, events: DeliveredEvent[], key: string): Promise<boolean> {
    const { config } = this.deps;
    const body = JSON.stringify({ webhook: hook.id, events });
    // The same id on every attempt of this message (Standard Webhooks: the receiver's idempotency key).
    const msgId = `msg_${hook.id.slice(3)}_${key}`;
    for (let attempt = 1; attempt <= config.webhookAttempts && !hook.stopped; attempt++) {
      if (attempt > 1) {
        this.deps.observe?.webhook('retry');
        await hook.wait(Math.min(config.webhookRetryBaseMs * 2 ** (attempt - 2), config.webhookRetryMaxMs));
        if (hook.stopped) return false;
      }
      const timestamp = Math.floor(this.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'xmpp-ftw-gateway-webhooks',
        'webhook-id': msgId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(hook.key, msgId, timestamp, body),
      };
      const result = await post(hook.target, headers, body, config.webhookTimeoutMs, hook.abort.signal);
      if (result.ok) {
        this.deps.observe?.webhook('delivered');
        return true;
      }
      hook.lastError = result.error;
    }
    return false;
  }
}

/**
 * What names a message among the webhook's: the last event it carries, which the next message follows. A
 * gap note alone (the log holds nothing newer) carries none: it is named after the cursor it follows.
 */
function messageKey(hook: Hook, slice: LoggedEvent[], gapFirst: boolean): string {
  const last = slice.at(-1)?.id;
  if (last !== undefined) return last;
  return `${hook.cursor ?? 'start'}${gapFirst ? '_gap' : ''}`;
}

type PostResult = { ok: true } | { ok: false; error: string };

/** One POST: a 2xx within the timeout is success; redirects are not followed (they are failures). */
function post(
  target: WebhookTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PostResult> {
  return new Promise((resolve) => {
    const lookup: LookupFunction | undefined = target.lookup;
    const request = target.url.protocol === 'https:' ? https.request : http.request;
    let settled = false;
    const finish = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request(target.url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      signal,
      agent: false,
      ...(lookup && { lookup }),
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, error: `No answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      finish(status >= 200 && status < 300 ? { ok: true } : { ok: false, error: `HTTP ${status}` });
      // The status is the whole answer: a response body is never read.
      res.destroy();
    });
    req.on('error', (err) => finish({ ok: false, error: err.message }));
    req.end(body);
  });
}

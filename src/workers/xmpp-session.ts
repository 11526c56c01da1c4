// One session's XMPP connection inside a worker: login, the incoming dispatch, the actions, and
// XEP-0198 resumption after a drop (docs/api.md "Continuity", docs/adr/0001-reauthentication.md).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@xmpp/client-core';
import { createElement, parse as parseXml, type Element } from 'ltx';
import { errors, GatewayError } from '../errors.js';
import type { XmppContext } from '../xmpp/context.js';
import { HeldRequests } from '../xmpp/held.js';
import { receiveStanza } from '../xmpp/incoming.js';
import { IqTracker } from '../xmpp/iq.js';
import { bareJid, domainOf, parseJid, type Jid } from '../xmpp/jid.js';
import type { LoadedAreas } from './areas.js';
import { serialize } from '../xmpp/serialize.js';
import type { LoginRequest, WorkerSettings } from './protocol.js';
import { wipeScramKeys, type ScramKeys } from './scram.js';
import { NS_SM, SmOverflow, StreamManagement } from './stream-management.js';
import { MAX_ROOMS, sealTakeover, type Takeover } from './takeover.js';
import { AuthError, createXmppClient, ResumeRefused, startClient } from './xmpp-client.js';

const NS_STREAMS = 'http://etherx.jabber.org/streams';

export interface SessionHooks {
  /**
   * An event of the session. `handled` (takeover mode, XEP-0198 on): h of the incoming stanzas handled
   * when it was made, logged with it, so a node taking the stream over resumes after what the log holds.
   */
  emit(name: string, data: unknown, handled?: number): void;
  /** The connection ended without the gateway asking for it, and could not be resumed. */
  onDropped(reason: string): void;
  /** Hands every event emitted so far to the main thread now (one postMessage). */
  flush?(): void;
  /** The takeover state changed (only with settings.takeoverKey): the blob is encrypted (takeover.ts). */
  takeover?(blob: string): void;
  /** Takeover mode: asks the main thread to record h before the <a/> (then ackConfirmed(h)). */
  confirmAck?(h: number): void;
}

/**
 * connecting: the login; online: a bound or resumed stream; reconnecting: the connection dropped
 * and XEP-0198 resumption is under way; closed: ended (logout, or a drop that could not be resumed).
 */
type State = 'connecting' | 'online' | 'reconnecting' | 'closed';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

/** With stanzas unacknowledged, ask the server for an ack at least this often. */
const ACK_REQUEST_MS = 5000;
/** Ask for an ack after this many stanzas sent. */
const ACK_EVERY = 10;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5000;
/**
 * The takeover state is written when it changes, at most this often per session: a burst of
 * stanzas is one write, not one per stanza. What changed in the last SNAPSHOT_MS before a node dies
 * is what a takeover may miss of the outgoing queue (docs/api.md "Continuity").
 */
const SNAPSHOT_MS = 100;
const NS_MUC = 'http://jabber.org/protocol/muc';

export class XmppSession {
  private client: Client | undefined;
  /** The client of the resumption attempt under way, until its <resumed/>. */
  private pending: Client | undefined;
  /** Where and as whom, without the password (which is never kept). */
  private login: Omit<LoginRequest, 'password'> | undefined;
  /** The server sent a stream error on the session's stream: the disconnect that follows is final. */
  private streamError = false;
  /** The SCRAM keys of the login (memory only, zeroed at the end): resumption re-authenticates with them. */
  private keys: ScramKeys | undefined;
  private readonly sm: StreamManagement;
  private state: State = 'connecting';
  /** Actions waiting for the resumption (bounded by settings.resume.maxQueuedActions). */
  private readonly waiters = new Set<Waiter>();
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly iq: IqTracker;
  private readonly held: HeldRequests;
  /** Each area's per-session state (XmppContext.state). */
  private readonly areaState = new Map<string, unknown>();
  private ownJid = '';
  /** XmppContext.streamFeatures: the children's namespaces of the last <stream:features/>. */
  private streamFeatures: string[] | undefined;
  /** The h last told to the server (<a/>, <resume/>): what a takeover resumes from. */
  private toldH = 0;
  /** Rooms joined (bare room JID → nick) and the last broadcast presence: part of the takeover state. */
  private readonly rooms = new Map<string, string>();
  private presence: string | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  readonly context: XmppContext;

  constructor(
    private readonly areas: LoadedAreas,
    private readonly settings: WorkerSettings,
    private readonly hooks: SessionHooks,
    /** The session's id: the takeover state is sealed to it (takeover.ts). */
    private readonly sid = '',
  ) {
    this.iq = new IqTracker(() => this.ownJid);
    this.held = new HeldRequests((stanza) => this.send(stanza), settings.answerTimeoutMs);
    this.sm = new StreamManagement({
      maxUnacked: settings.resume.maxUnacked,
      maxUnackedBytes: settings.resume.maxUnackedBytes,
      ackEvery: ACK_EVERY,
    });
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's getters read the session's current JID
    const session = this;
    this.context = {
      get jid() {
        return session.ownJid;
      },
      get bareJid() {
        return bareJid(session.ownJid);
      },
      get domain() {
        return domainOf(session.ownJid);
      },
      send: (stanza) => this.send(stanza),
      iq: (stanza, timeoutMs) => {
        stanza.attrs.id ??= randomUUID();
        return this.iq.track(stanza, timeoutMs ?? settings.iqTimeoutMs, () => this.send(stanza));
      },
      emit: (name, data) => hooks.emit(name, data, settings.takeoverKey !== undefined && this.sm.enabled ? this.sm.handled : undefined),
      newId: () => randomUUID(),
      features: areas.features,
      get streamFeatures() {
        return session.streamFeatures;
      },
      hold: (kind, stanza, onTimeout) => this.held.hold(kind, stanza, onTimeout),
      release: (kind, to, id) => this.held.release(kind, to, id),
      state: <T>(areaId: string, init: () => T): T => {
        if (!this.areaState.has(areaId)) this.areaState.set(areaId, init());
        // One area id, one state type: each area reads its own state only, created by its own init.
        return this.areaState.get(areaId) as T;
      },
      timeoutMs: settings.iqTimeoutMs,
      limits: settings.limits,
    };
  }

  /** Whether the stream can be resumed after a drop (tests and diagnostics). */
  get resumable(): boolean {
    return this.sm.resumable && this.keys !== undefined;
  }

  async open(login: LoginRequest): Promise<Jid> {
    const kept = { ...login };
    delete kept.password;
    this.login = kept;
    const client = createXmppClient({
      ...login,
      timeoutMs: this.settings.connectTimeoutMs,
      tlsVerify: this.settings.tlsVerify,
      allowPlain: this.settings.allowPlain,
      onScramKeys: (keys) => (this.keys = keys),
    });
    this.client = client;
    this.attach(client);
    const timer = setTimeout(() => void client.disconnect().catch(() => undefined), this.settings.connectTimeoutMs);
    try {
      await startClient(client);
      this.ownJid = client.jid?.toString() ?? '';
      await this.enableStreamManagement(client);
    } catch (err) {
      this.state = 'closed';
      this.forgetKeys();
      void client.disconnect().catch(() => undefined);
      throw loginError(err);
    } finally {
      clearTimeout(timer);
    }
    if (this.state !== 'connecting') throw errors.disconnected('XMPP client disconnected');
    this.state = 'online';
    this.snapshotNow();
    return parseJid(this.ownJid) ?? { domain: login.domain };
  }

  /**
   * A session another node held (its takeover state, decrypted): resumes its stream here (XEP-0198
   * §5) with its SCRAM keys, as after a drop. Resolves at once; the outcome comes as events
   * (xmpp.connection online resumed) or as onDropped with the reason.
   */
  adopt(t: Takeover): void {
    const { state } = t;
    this.login = { ...state.login };
    this.keys = t.keys;
    this.ownJid = state.jid;
    this.toldH = state.sm.inbound;
    this.sm.restore(state.sm, parseXml);
    for (const r of state.rooms) this.rooms.set(r.room, r.nick);
    this.presence = state.presence;
    this.state = 'online';
    void this.reconnect(undefined);
  }

  async call(name: string, body: unknown): Promise<unknown> {
    const handler = this.areas.actions.get(name);
    if (!handler) throw errors.notFound(`Unknown action '${name}'`);
    if (this.state === 'reconnecting') await this.resumption();
    if (this.state !== 'online') throw errors.disconnected('You are not connected');
    return handler(this.context, body);
  }

  async close(): Promise<void> {
    const wasOnline = this.state === 'online';
    this.end(errors.disconnected('Session closed'));
    const client = this.client;
    if (!client) return;
    try {
      // XEP-0198 §4: the last ack before a clean close, so the server knows what was handled.
      if (wasOnline && this.sm.enabled) await client.send(this.answer());
      if (wasOnline && client.status === 'online') await client.send(unavailablePresence());
      await client.stop();
    } catch {
      await client.disconnect().catch(() => undefined);
    }
  }

  /** The listeners of one client; those of a client that is no longer the session's do nothing. */
  private attach(client: Client): void {
    const mine = () => client === this.client || client === this.pending;
    client.on('stanza', (stanza: Element) => {
      if (mine()) this.onStanza(client, stanza);
    });
    client.on('nonza', (el: Element) => {
      if (mine()) this.onNonza(client, el);
    });
    // Small stanzas one after another: without TCP_NODELAY, Nagle holds each until the previous is
    // acknowledged (measured: ~1.8× send throughput with it). The TLS wrapper keeps the TCP socket inside.
    client.on('connect', () => noDelay(client.socket));
    client.on('open', () => noDelay(client.socket));
    // Errors after login surface as a dropped connection; before it, start() rejects.
    client.on('error', () => undefined);
    client.on('offline', () => this.onDisconnect(client));
    client.on('disconnect', () => this.onDisconnect(client));
  }

  /**
   * XEP-0198 §3 on a new session: only when the login can re-authenticate without the password (its
   * SCRAM keys) and the server offers it. Without resumption the keys serve nothing and are dropped.
   */
  private async enableStreamManagement(client: Client): Promise<void> {
    if (!this.keys || !this.streamFeatures?.includes(NS_SM)) return this.forgetKeys();
    const answer = new Promise<Element | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), this.settings.connectTimeoutMs);
      const onNonza = (el: Element) => {
        if (el.getNS() === NS_SM && (el.name === 'enabled' || el.name === 'failed')) done(el);
      };
      const done = (el: Element | undefined) => {
        clearTimeout(timer);
        client.off('nonza', onNonza);
        resolve(el);
      };
      client.on('nonza', onNonza);
    });
    await client.send(this.sm.enable());
    const el = await answer;
    if (el?.name === 'enabled') this.sm.onEnabled(el);
    else this.sm.onEnableFailed();
    if (!this.sm.resumable) this.forgetKeys();
  }

  private onNonza(client: Client, el: Element): void {
    // A stream error is the server ending the session on purpose (RFC 6120 §4.9: unrecoverable;
    // conflict, system-shutdown, policy-violation…): it is not a drop to resume.
    if (el.is('error', NS_STREAMS) && client === this.client) this.streamError = true;
    // Each stream restart (after STARTTLS, after SASL) offers features anew: the last offer is the bound stream's.
    if (el.is('features', NS_STREAMS)) {
      this.streamFeatures = el.getChildElements().flatMap((f) => f.getNS() ?? []);
      return;
    }
    if (el.getNS() !== NS_SM) return;
    if (el.name === 'r' && this.sm.enabled && client === this.client) {
      // The ack says "handled": here, that the events of those stanzas are in the event log. In
      // single-node mode the log is the main thread's memory and appends what each postMessage
      // brings synchronously as it arrives, so the events are durable once posted: flush the batch
      // first, then ack. The drop this step covers (the XMPP connection, not the gateway) loses
      // nothing posted. A handler that emits after awaiting something (an IQ of its own) is counted
      // at receipt; its event comes later. docs/api.md "Continuity".
      this.hooks.flush?.();
      if (this.hooks.confirmAck) this.hooks.confirmAck(this.sm.handled);
      else void client.send(this.answer()).catch(() => undefined);
    } else if (el.name === 'a' && client === this.client) {
      this.sm.onAck(Number(el.attrs.h));
      this.scheduleSnapshot();
    } else if (el.name === 'resumed' && client === this.pending && this.state === 'reconnecting') {
      this.onResumed(client, el);
    }
  }

  /**
   * <resumed h/> (XEP-0198 §5): synchronously, before the stanzas the server sends after it are
   * read: the new client is the session's, what the server did not get goes again in order, and
   * the actions that waited go on.
   */
  private onResumed(client: Client, el: Element): void {
    this.client = client;
    this.pending = undefined;
    this.state = 'online';
    const again = this.sm.onResumed(el);
    for (const stanza of again) void client.send(stanza).catch(() => this.onDisconnect(client));
    if (again.length > 0) void client.send(this.sm.request()).catch(() => undefined);
    this.hooks.emit('xmpp.connection', { status: 'online', resumed: true });
    this.snapshotNow();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters.clear();
  }

  private onDisconnect(client: Client): void {
    if (client !== this.client || this.state !== 'online') return;
    if (!this.resumable || this.streamError) return this.dropped('XMPP client disconnected');
    void this.reconnect(client);
  }

  /** XEP-0198 §5 resumption, attempt after attempt with backoff, until RESUME_DEADLINE_MS (or the server's max). */
  private async reconnect(old: Client | undefined): Promise<void> {
    this.state = 'reconnecting';
    this.client = undefined;
    this.clearAckTimer();
    void old?.disconnect().catch(() => undefined);
    this.hooks.emit('xmpp.connection', { status: 'reconnecting' });
    const serverMs = this.sm.serverMaxS === undefined ? Infinity : this.sm.serverMaxS * 1000;
    const budget = Math.min(this.settings.resume.deadlineMs, serverMs);
    const deadline = Date.now() + budget;
    // With takeovers the drop may be another node resuming the stream (this one lost its lease): the
    // main thread checks the lease at `reconnecting` and abandons the session before a first attempt
    // could take the stream back (src/session/takeover.ts checkOwner). A session taken over (no old
    // client) holds the lease already: it goes at once.
    let delay = this.settings.takeoverKey === undefined || old === undefined ? 0 : BACKOFF_FIRST_MS;
    let last = 'the XMPP server could not be reached';
    while (this.state === 'reconnecting') {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return this.dropped(`XMPP client disconnected: the session could not be resumed within ${budget} ms (${last})`);
      if (delay > 0) await sleep(Math.min(delay, remaining));
      if (this.state !== 'reconnecting') return;
      try {
        await this.resumeOnce(Math.max(1, Math.min(this.settings.connectTimeoutMs, deadline - Date.now())));
        return;
      } catch (err) {
        if (this.state !== 'reconnecting') return;
        if (isFinal(err)) return this.dropped(`XMPP client disconnected: ${reasonOf(err)}`);
        last = reasonOf(err);
      }
      delay = delay === 0 ? BACKOFF_FIRST_MS : Math.min(delay * 2, BACKOFF_MAX_MS);
    }
  }

  /** One attempt: connect, re-authenticate with the SCRAM keys, <resume/>. Rejects when it did not resume. */
  private async resumeOnce(timeoutMs: number): Promise<void> {
    const login = this.login;
    const keys = this.keys;
    if (!login || !keys) throw new ResumeRefused('nothing to re-authenticate with');
    const client = createXmppClient({
      ...login,
      timeoutMs,
      tlsVerify: this.settings.tlsVerify,
      allowPlain: this.settings.allowPlain,
      scramKeys: keys,
      resume: { element: this.resumeElement(), jid: this.ownJid },
    });
    this.pending = client;
    this.attach(client);
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error('the XMPP server did not answer in time')), timeoutMs);
        client.once('disconnect', () => reject(new Error('the connection closed during resumption')));
        startClient(client).then(() => resolve(), reject);
      });
    } catch (err) {
      if (this.pending === client) this.pending = undefined;
      if (this.client !== client) void client.disconnect().catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits (bounded) for the resumption under way: 503 when it takes too long or too many wait. */
  private resumption(): Promise<void> {
    const { actionWaitMs, maxQueuedActions } = this.settings.resume;
    if (this.waiters.size >= maxQueuedActions || actionWaitMs === 0) return Promise.reject(errors.reconnecting());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(errors.reconnecting());
        }, actionWaitMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Ends the session here: nothing waits, nothing is retried, the keys are zeroed. */
  private end(err: GatewayError): void {
    this.state = 'closed';
    this.forgetKeys();
    this.clearAckTimer();
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
    this.sm.clearQueue();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
    this.iq.rejectAll(err);
    this.held.clear();
    const pending = this.pending;
    this.pending = undefined;
    void pending?.disconnect().catch(() => undefined);
  }

  private dropped(reason: string): void {
    if (this.state === 'closed') return;
    this.end(errors.disconnected(reason));
    const client = this.client;
    this.client = undefined;
    void client?.disconnect().catch(() => undefined);
    this.hooks.onDropped(reason);
  }

  private forgetKeys(): void {
    wipeScramKeys(this.keys);
    this.keys = undefined;
  }

  private send(stanza: Element): void {
    if (stanza.name === 'presence') this.notePresence(stanza);
    if (this.state === 'reconnecting' && this.resumable) {
      // Held in the unacknowledged queue: it goes out after <resumed/>, with what the server missed.
      this.track(stanza);
      return;
    }
    const client = this.client;
    // Not the client's status: a resumed client is the session's from <resumed/> on, a moment before xmpp.js says online.
    if (this.state !== 'online' || !client) throw errors.disconnected('You are not connected');
    const ask = this.sm.enabled && this.track(stanza);
    void client.send(stanza).catch(() => this.onDisconnect(client));
    if (ask) void client.send(this.sm.request()).catch(() => undefined);
    if (this.sm.unacked > 0 && !this.ackTimer) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined;
        if (this.state === 'online' && this.sm.unacked > 0) void this.client?.send(this.sm.request()).catch(() => undefined);
      }, ACK_REQUEST_MS);
      this.ackTimer.unref();
    }
  }

  /** Takeover mode: h is in the shared record, so it may be told to the server now. */
  ackConfirmed(h: number): void {
    const client = this.client;
    if (this.state !== 'online' || !client || !this.sm.enabled) return;
    this.toldH = h;
    this.scheduleSnapshot();
    void client.send(createElement('a', { xmlns: NS_SM, h: String(h) })).catch(() => undefined);
  }

  /**
   * Another node takes the session (this one lost its lease): the connection drops without
   * unavailable presence or stream close, so that the server keeps the session for the resumption
   * (XEP-0198 §5) and contacts see nothing.
   */
  abandon(): void {
    const client = this.client;
    this.end(errors.disconnected('Session moved to another node'));
    this.client = undefined;
    // Not client.disconnect(): xmpp.js closes the stream first (</stream:stream>), which ends the session on the server.
    destroySocket(client);
  }

  /**
   * Drain handover (planned takeover): synchronously, so that no stanza is read in between, the
   * events so far go to the main thread, the state is sealed with every stanza read counted (the
   * server resends what follows to the next node, XEP-0198 §5), and the connection drops without
   * unavailable presence or stream close. Undefined when the stream cannot be resumed elsewhere.
   */
  /**
   * Resolves once a resumption under way (after a drop, or a takeover this node just began) has ended,
   * either way, or after RESUME_ACTION_WAIT_MS: a drain hands over what is online again (else ends it).
   */
  async settled(): Promise<void> {
    if (this.state === 'reconnecting') await this.resumption().catch(() => undefined);
  }

  handover(): { blob: string; h: number } | undefined {
    if (this.state !== 'online' || !this.resumable) return undefined;
    this.hooks.flush?.();
    this.toldH = this.sm.handled;
    const blob = this.seal();
    if (blob === undefined) return undefined;
    const h = this.toldH;
    this.abandon();
    return { blob, h };
  }

  /** <a h/> answering <r/> (XEP-0198 §4): the h told is what a takeover resumes from. */
  private answer(): Element {
    this.toldH = this.sm.handled;
    this.scheduleSnapshot();
    return this.sm.answer();
  }

  private resumeElement(): Element {
    this.toldH = this.sm.handled;
    return this.sm.resume();
  }

  /** Rooms joined and left (XEP-0045 §7.2, §7.6, §7.14) and the broadcast presence, for the takeover state. */
  private notePresence(stanza: Element): void {
    const to = typeof stanza.attrs.to === 'string' ? parseJid(stanza.attrs.to) : undefined;
    const type = stanza.attrs.type as string | undefined;
    if (!to) {
      if (type === undefined || type === 'unavailable') this.presence = type === 'unavailable' ? undefined : serialize(stanza);
    } else if (to.resource !== undefined) {
      const room = bareJid(stanza.attrs.to as string);
      if (type === 'unavailable') this.rooms.delete(room);
      else if (type === undefined && (this.rooms.has(room) || stanza.getChild('x', NS_MUC))) {
        if (this.rooms.has(room) || this.rooms.size < MAX_ROOMS) this.rooms.set(room, to.resource);
      } else return;
    } else return;
    this.scheduleSnapshot();
  }

  private scheduleSnapshot(): void {
    if (this.settings.takeoverKey === undefined || this.snapshotTimer || this.state === 'closed') return;
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      this.snapshotNow();
    }, SNAPSHOT_MS);
    this.snapshotTimer.unref();
  }

  /** Seals the takeover state and hands it to the main thread (only a resumable stream has one). */
  private snapshotNow(): void {
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
    const blob = this.seal();
    if (blob !== undefined) this.hooks.takeover?.(blob);
  }

  private seal(): string | undefined {
    const key = this.settings.takeoverKey;
    if (key === undefined || this.state === 'closed' || !this.keys || !this.login) return undefined;
    const sm = this.sm.snapshot(this.toldH, serialize);
    if (!sm) return undefined;
    const t: Takeover = {
      state: {
        login: this.login,
        jid: this.ownJid,
        sm,
        rooms: [...this.rooms].map(([room, nick]) => ({ room, nick })),
        ...(this.presence !== undefined && { presence: this.presence }),
        at: Date.now(),
      },
      keys: this.keys,
    };
    return sealTakeover(key, this.sid, t);
  }

  /** Queues an outgoing stanza until acked; past the bounds the session ends (its memory is capped). */
  private track(stanza: Element): boolean {
    try {
      const ask = this.sm.sent(stanza, Buffer.byteLength(serialize(stanza)));
      this.scheduleSnapshot();
      return ask;
    } catch (err) {
      if (!(err instanceof SmOverflow)) throw err;
      const reason = `XMPP client disconnected: ${err.message}`;
      this.dropped(reason);
      throw errors.disconnected(reason);
    }
  }

  private clearAckTimer(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  private onStanza(client: Client, stanza: Element): void {
    // Until the session is online the stream is being negotiated; the bind answer is xmpp.js's own.
    if (client !== this.client || (this.state !== 'online' && client.status !== 'online')) return;
    this.sm.received();
    // An IQ answer goes to the request waiting for it; one nobody waits for is dispatched like any stanza.
    if (stanza.name === 'iq' && (stanza.attrs.type === 'result' || stanza.attrs.type === 'error') && this.iq.handle(stanza)) return;
    receiveStanza(this.areas.dispatcher, this.context, stanza);
  }
}

/** A failed attempt that another would fail the same way: the server refused, not the network. */
function isFinal(err: unknown): boolean {
  if (err instanceof ResumeRefused || err instanceof AuthError) return true;
  const e = err as { name?: string } | null;
  if (e?.name === 'SASLError') return true;
  return (
    err instanceof GatewayError &&
    err.status !== 504 &&
    err.body.condition !== 'tls-failed' &&
    err.body.condition !== 'remote-server-not-found'
  );
}

function reasonOf(err: unknown): string {
  if (err instanceof ResumeRefused) return err.message;
  const e = err as { name?: string; condition?: string; message?: string } | null;
  if (e?.name === 'SASLError') return `the XMPP server refused the re-authentication (${e.condition ?? e.message ?? 'not-authorized'})`;
  if (err instanceof GatewayError) return err.body.description ?? err.body.condition;
  return e?.message ?? String(err);
}

/** Drops the TCP (or TLS) connection as a crash would: no stream close (RFC 6120 §4.4), so XEP-0198 §5 can resume it elsewhere. */
function destroySocket(client: Client | undefined): void {
  // Our declaration of Client leaves out the connection's socket (see noDelay); the TLS wrapper keeps the TCP one inside.
  const s = (client as unknown as { socket?: { destroy?: () => void; socket?: { destroy?: () => void } } | null } | undefined)?.socket;
  s?.socket?.destroy?.();
  s?.destroy?.();
}

function noDelay(socket: unknown): void {
  const s = socket as { setNoDelay?: (on: boolean) => void; socket?: { setNoDelay?: (on: boolean) => void } } | null;
  s?.setNoDelay?.(true);
  s?.socket?.setNoDelay?.(true);
}

function unavailablePresence(): Element {
  return createElement('presence', { type: 'unavailable' });
}

export function loginError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { name?: string; code?: string; message?: string; condition?: string };
  if (e?.name === 'SASLError' || err instanceof AuthError) return errors.loginFail();
  if (e?.name === 'StreamError') return errors.unreachable(`XMPP stream error: ${e.condition ?? e.message ?? 'unknown'}`);
  if (e?.code === 'ETIMEDOUT' || e?.name === 'TimeoutError') return errors.timeout('The XMPP server did not answer in time');
  return errors.unreachable(`Could not connect to the XMPP server${e?.code ? ` (${e.code})` : ''}`);
}

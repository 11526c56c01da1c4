// One session's XMPP connection inside a worker: login, the incoming dispatch, the actions.
import { randomUUID } from 'node:crypto';
import type { Client } from '@xmpp/client-core';
import { createElement, type Element } from 'ltx';
import { errors, GatewayError } from '../errors.js';
import type { XmppContext } from '../xmpp/context.js';
import { HeldRequests } from '../xmpp/held.js';
import { receiveStanza } from '../xmpp/incoming.js';
import { IqTracker } from '../xmpp/iq.js';
import { bareJid, domainOf, parseJid, type Jid } from '../xmpp/jid.js';
import type { LoadedAreas } from './areas.js';
import type { LoginRequest, WorkerSettings } from './protocol.js';
import { AuthError, createXmppClient } from './xmpp-client.js';

const NS_STREAMS = 'http://etherx.jabber.org/streams';

export interface SessionHooks {
  emit(name: string, data: unknown): void;
  /** The connection ended without the gateway asking for it. */
  onDropped(reason: string): void;
}

export class XmppSession {
  private client: Client | undefined;
  private readonly iq: IqTracker;
  private readonly held: HeldRequests;
  /** Each area's per-session state (XmppContext.state). */
  private readonly areaState = new Map<string, unknown>();
  private ownJid = '';
  /** XmppContext.streamFeatures: the children's namespaces of the last <stream:features/>. */
  private streamFeatures: string[] | undefined;
  private closing = false;
  readonly context: XmppContext;

  constructor(
    private readonly areas: LoadedAreas,
    private readonly settings: WorkerSettings,
    private readonly hooks: SessionHooks,
  ) {
    this.iq = new IqTracker(() => this.ownJid);
    this.held = new HeldRequests((stanza) => this.send(stanza), settings.answerTimeoutMs);
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
      emit: (name, data) => hooks.emit(name, data),
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

  async open(login: LoginRequest): Promise<Jid> {
    const client = createXmppClient({
      ...login,
      timeoutMs: this.settings.connectTimeoutMs,
      tlsVerify: this.settings.tlsVerify,
      allowPlain: this.settings.allowPlain,
    });
    this.client = client;
    client.on('stanza', (stanza: Element) => this.onStanza(stanza));
    // Each stream restart (after STARTTLS, after SASL) offers features anew: the last offer is the bound stream's.
    client.on('nonza', (el: Element) => {
      if (el.is('features', NS_STREAMS)) {
        this.streamFeatures = el.getChildElements().flatMap((f) => f.getNS() ?? []);
      }
    });
    // Small stanzas one after another: without TCP_NODELAY, Nagle holds each until the previous is
    // acknowledged (measured: ~1.8× send throughput with it). The TLS wrapper keeps the TCP socket inside.
    client.on('connect', () => noDelay(client.socket));
    client.on('open', () => noDelay(client.socket));
    // Errors after login surface as a dropped connection; before it, start() rejects.
    client.on('error', () => undefined);
    let online = false;
    client.on('offline', () => {
      if (online && !this.closing) this.dropped('XMPP client disconnected');
    });
    client.on('disconnect', () => {
      if (online && !this.closing) this.dropped('XMPP client disconnected');
    });
    const timer = setTimeout(() => void client.disconnect().catch(() => undefined), this.settings.connectTimeoutMs);
    try {
      await client.start();
      online = true;
      this.ownJid = client.jid?.toString() ?? '';
      return parseJid(this.ownJid) ?? { domain: login.domain };
    } catch (err) {
      this.closing = true;
      void client.disconnect().catch(() => undefined);
      throw loginError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  async call(name: string, body: unknown): Promise<unknown> {
    const handler = this.areas.actions.get(name);
    if (!handler) throw errors.notFound(`Unknown action '${name}'`);
    if (!this.client || this.client.status !== 'online') throw errors.disconnected('You are not connected');
    return handler(this.context, body);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.iq.rejectAll(errors.disconnected('Session closed'));
    this.held.clear();
    const client = this.client;
    if (!client) return;
    try {
      if (client.status === 'online') await client.send(unavailablePresence());
      await client.stop();
    } catch {
      await client.disconnect().catch(() => undefined);
    }
  }

  private dropped(reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.iq.rejectAll(errors.disconnected(reason));
    this.held.clear();
    this.hooks.onDropped(reason);
  }

  private send(stanza: Element): void {
    const client = this.client;
    if (!client || client.status !== 'online') throw errors.disconnected('You are not connected');
    void client.send(stanza).catch(() => this.dropped('XMPP client disconnected'));
  }

  private onStanza(stanza: Element): void {
    // Until the session is online the stream is being negotiated; the bind answer is xmpp.js's own.
    if (this.client?.status !== 'online') return;
    // An IQ answer goes to the request waiting for it; one nobody waits for is dispatched like any stanza.
    if (stanza.name === 'iq' && (stanza.attrs.type === 'result' || stanza.attrs.type === 'error') && this.iq.handle(stanza)) return;
    receiveStanza(this.areas.dispatcher, this.context, stanza);
  }
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

// One XMPP c2s client, wired from xmpp.js parts: TCP, SASL (our fast SCRAM-SHA-512/256/1, their
// -PLUS twins over TLS, PLAIN only over TLS and only without SCRAM, ANONYMOUS on request) and resource
// binding, or XEP-0198 resumption in its place. No websocket and no reconnect of xmpp.js: the gateway
// owns the session lifecycle and stream management itself (xmpp-session.ts, stream-management.ts).
import { randomUUID } from 'node:crypto';
import tls from 'node:tls';
import { Client } from '@xmpp/client-core';
import _iqCaller from '@xmpp/iq/caller.js';
import _middleware from '@xmpp/middleware';
import _resourceBinding from '@xmpp/resource-binding';
import _sasl from '@xmpp/sasl';
import anonymous from '@xmpp/sasl-anonymous';
import plain from '@xmpp/sasl-plain';
import _streamFeatures from '@xmpp/stream-features';
import _tcp from '@xmpp/tcp';
import type { Element } from 'ltx';
import SASLFactory from 'saslmechanisms';
import { errors } from '../errors.js';
import { serialize } from '../xmpp/serialize.js';
import type { LoginRequest } from './protocol.js';
import {
  SCRAM_MECHANISMS,
  SCRAM_PLUS_MECHANISMS,
  ScramError,
  type ScramKeys,
  type ChannelBinding,
  type ChannelBindingType,
  type ScramMechanism,
} from './scram.js';
import { starttls } from './starttls.js';
import { NS_SM } from './stream-management.js';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
/** XEP-0440: the channel binding types the server supports, as a stream feature. */
const NS_SASL_CB = 'urn:xmpp:sasl-cb:0';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** The SCRAM names of one hash, the -PLUS twin included: a re-authentication with keys uses these only. */
function namesOfHash(algorithm: ScramKeys['algorithm']): string[] {
  const base = { sha1: 'SCRAM-SHA-1', sha256: 'SCRAM-SHA-256', sha512: 'SCRAM-SHA-512' }[algorithm];
  return [base, `${base}-PLUS`];
}

/** The server answered <resume/> with <failed/> (XEP-0198 §5), or resumption is not possible on the new stream. */
export class ResumeRefused extends Error {
  override name = 'ResumeRefused';
}

const SCRAM_NAMES: readonly string[] = SCRAM_MECHANISMS.map(([name]) => name);
const SCRAM_PLUS_NAMES: readonly string[] = SCRAM_PLUS_MECHANISMS.map(([name]) => name);
/** What the gateway speaks for a password login, most preferred first (as error descriptions list it). */
export const SPOKEN_MECHANISMS: readonly string[] = [...SCRAM_NAMES, 'PLAIN (over TLS only)'];

export interface MechanismPolicy {
  /** The stream is encrypted (STARTTLS done). */
  secure: boolean;
  /** XMPP_ALLOW_PLAIN: PLAIN may be used at all. */
  allowPlain: boolean;
  /** The channel binding both sides know on this stream (chooseChannelBinding), if any: -PLUS is then preferred. */
  channelBinding?: ChannelBindingType;
}

/**
 * The channel binding to use on a TLS stream of `protocol` (tls.TLSSocket.getProtocol()), given the
 * types the server advertised in XEP-0440's <sasl-channel-binding/> (undefined: no such feature).
 * TLS 1.3 binds with tls-exporter (RFC 9266; tls-unique is undefined there), TLS ≤ 1.2 with tls-unique
 * (RFC 5929 §3), each only if advertised. Without XEP-0440, tls-unique on TLS ≤ 1.2 (RFC 5802 §6
 * makes it the binding every -PLUS server knows); on TLS 1.3 nothing, since a server may offer
 * -PLUS there knowing only tls-unique (ejabberd 23.01 does): no guess is sent.
 */
export function chooseChannelBinding(
  protocol: string | null | undefined,
  advertised: readonly string[] | undefined,
): ChannelBindingType | undefined {
  if (!protocol || !/^TLSv1(\.[0-3])?$/.test(protocol)) return undefined;
  const type: ChannelBindingType = protocol === 'TLSv1.3' ? 'tls-exporter' : 'tls-unique';
  if (advertised === undefined) return type === 'tls-unique' ? type : undefined;
  return advertised.includes(type) ? type : undefined;
}

/**
 * The GS2 channel-binding flag of a non-PLUS SCRAM exchange (RFC 5802 §6): `y` on a TLS stream when
 * the server offered no -PLUS mechanism at all (the gateway binds on any TLS stream, so a server
 * that strips the -PLUS offer is caught), else `n` (no TLS, or -PLUS offered with no binding both know).
 */
export function channelBindingFlag(offered: readonly string[], secure: boolean): 'n' | 'y' {
  return secure && !offered.some((m) => /^SCRAM-.+-PLUS$/.test(m)) ? 'y' : 'n';
}

/**
 * The mechanism of a password login among those `offered`: the strongest SCRAM (SHA-512 > SHA-256 >
 * SHA-1); PLAIN only when no SCRAM is offered, over TLS, and when allowed. Otherwise why not.
 */
export function chooseMechanism(
  offered: readonly string[],
  policy: MechanismPolicy,
): { mechanism: string } | { refused: string | undefined } {
  if (policy.secure && policy.channelBinding) {
    const plus = SCRAM_PLUS_NAMES.find((name) => offered.includes(name));
    if (plus) return { mechanism: plus };
  }
  const scram = SCRAM_NAMES.find((name) => offered.includes(name));
  if (scram) return { mechanism: scram };
  if (!offered.includes('PLAIN')) return { refused: undefined };
  if (!policy.allowPlain) return { refused: 'PLAIN is offered but turned off here (XMPP_ALLOW_PLAIN=false)' };
  if (!policy.secure) return { refused: 'PLAIN is offered on an unencrypted stream, where the gateway never sends a password' };
  return { mechanism: 'PLAIN' };
}

/** Where and as whom to connect (the worker protocol's login request), plus how. */
export interface ClientOptions extends Omit<LoginRequest, 'anonymous'> {
  anonymous?: boolean;
  timeoutMs: number;
  /** Verify the server certificate on STARTTLS (false only for development servers). */
  tlsVerify: boolean;
  /** Whether SASL PLAIN may be used (over TLS, when no SCRAM is offered); true when left out. */
  allowPlain?: boolean;
  /**
   * Run this where authentication would start (on the secured stream when the server offers
   * STARTTLS) instead of authenticating: the client never goes online. For XEP-0077 §3.1.
   */
  beforeAuth?: (entity: Client, features: Element) => Promise<void>;
  /** A re-authentication: the SCRAM keys of the login instead of the password (same hash only). */
  scramKeys?: ScramKeys;
  /** Called with the keys a SCRAM login derived from the password (to re-authenticate later). */
  onScramKeys?: (keys: ScramKeys) => void;
  /**
   * Resume a XEP-0198 stream instead of binding a resource: `element` is the <resume/> to send, `jid`
   * the full JID of the session. start() resolves on <resumed/>, rejects with ResumeRefused on <failed/>.
   */
  resume?: { element: Element; jid: string };
}

export function createXmppClient(options: ClientOptions): Client {
  const entity = new Client({
    service: `xmpp://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`,
    domain: options.domain,
    timeout: options.timeoutMs,
  });
  _tcp({ entity });
  writeWithCharacterReferences(entity);
  const middleware = _middleware({ entity });
  const streamFeatures = _streamFeatures({ middleware });
  const iqCaller = _iqCaller({ middleware, entity });
  // A failed handshake says so, and why (the certificate check), rather than "could not connect".
  // Registered ahead of STARTTLS, whose errors it sees.
  streamFeatures.use('starttls', NS_TLS, async (_ctx, next) => {
    try {
      return await next();
    } catch (err) {
      throw tlsError(err);
    }
  });
  // STARTTLS first when the server offers it (stream features are tried in registration order).
  starttls(streamFeatures, { domain: options.domain, verify: options.tlsVerify });

  const beforeAuth = options.beforeAuth;
  // Registered ahead of SASL, which it never hands on to.
  if (beforeAuth) streamFeatures.use('mechanisms', NS_SASL, ({ entity: e }, _next, features) => beforeAuth(e as Client, features));

  // The TLS socket under @xmpp/tls's wrapper once STARTTLS is done (starttls.ts attaches it).
  const tlsSocket = (): tls.TLSSocket | undefined => {
    // Our declaration of Client leaves out the connection's socket; the wrapper holds the TLSSocket as `socket`.
    const inner = (entity as unknown as { socket?: { socket?: unknown } | null }).socket?.socket;
    return inner instanceof tls.TLSSocket ? inner : undefined;
  };
  // The whole offer and XEP-0440's binding types, read from the features before SASL filters them.
  let offered: string[] = [];
  let advertisedBindings: string[] | undefined;
  const policy = (): MechanismPolicy => {
    const secure = entity.isSecure();
    const channelBinding = secure ? chooseChannelBinding(tlsSocket()?.getProtocol(), advertisedBindings) : undefined;
    return { secure, allowPlain: options.allowPlain ?? true, ...(channelBinding && { channelBinding }) };
  };
  // Ahead of SASL, which sees only the mechanisms it knows and, finding none, fails like a wrong
  // password: here the whole offer is known, and the answer says what did not fit.
  streamFeatures.use('mechanisms', NS_SASL, (_ctx, next, features) => {
    if (options.anonymous) return next();
    offered = features.getChildren('mechanism', NS_SASL).map((m) => m.text().trim());
    if (options.scramKeys) {
      const same = namesOfHash(options.scramKeys.algorithm);
      if (!offered.some((m) => same.includes(m)))
        throw new ResumeRefused(`the server no longer offers ${same[0]}, the mechanism of the login`);
    }
    advertisedBindings = features
      .getChild('sasl-channel-binding', NS_SASL_CB)
      ?.getChildren('channel-binding')
      .map((c) => String(c.attrs.type ?? ''));
    const choice = chooseMechanism(offered, policy());
    if ('refused' in choice) throw errors.noUsableMechanism(offered, SPOKEN_MECHANISMS, choice.refused);
    return next();
  });

  // The factory's order is @xmpp/sasl's "supported" list; the choice itself is chooseMechanism's.
  const saslFactory = new SASLFactory();
  for (const [, mech] of [...SCRAM_MECHANISMS, ...SCRAM_PLUS_MECHANISMS]) saslFactory.use(mech);
  plain(saslFactory);
  anonymous(saslFactory);
  // The mechanism @xmpp/sasl creates, to check the server's signature once it reports success.
  let created: unknown;
  const create = saslFactory.create.bind(saslFactory);
  saslFactory.create = (names: string[]) => (created = create(names));

  _sasl({ streamFeatures, saslFactory }, async (authenticate, mechanisms) => {
    if (options.anonymous) {
      if (!mechanisms.includes('ANONYMOUS')) throw new AuthError('The server does not offer anonymous login');
      return authenticate({}, 'ANONYMOUS');
    }
    const current = policy();
    const keys = options.scramKeys;
    const choice = chooseMechanism(keys ? mechanisms.filter((m) => namesOfHash(keys.algorithm).includes(m)) : mechanisms, current);
    if (!('mechanism' in choice)) throw errors.noUsableMechanism(mechanisms, SPOKEN_MECHANISMS, choice.refused);
    const socket = tlsSocket();
    let channelBinding: ChannelBinding | undefined;
    if (SCRAM_PLUS_NAMES.includes(choice.mechanism) && current.channelBinding && socket) {
      // RFC 5929 §3.1: the first Finished message of the handshake, the client's in a full one (no
      // resumption here). RFC 9266 §2: 32 bytes exported with this label and an empty context.
      const data =
        current.channelBinding === 'tls-unique'
          ? socket.getFinished()
          : socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
      if (!data) throw errors.scramServerFailed('no TLS Finished message to bind to');
      channelBinding = { flag: 'p', type: current.channelBinding, data };
    } else if (SCRAM_NAMES.includes(choice.mechanism)) {
      channelBinding = { flag: channelBindingFlag(offered, current.secure) };
    }
    // RFC 6120 §6.3.10: the server-final message comes as additional data of <success/>, which
    // @xmpp/sasl does not look at.
    let success: string | undefined;
    const onNonza = (el: Element) => {
      if (el.is('success', NS_SASL)) success = el.text();
    };
    entity.on('nonza', onNonza);
    try {
      if (keys && choice.mechanism === 'PLAIN') throw new ResumeRefused('a re-authentication never sends a password');
      await authenticate(
        {
          username: options.username,
          ...(keys ? { keys } : { password: options.password }),
          ...(channelBinding && { channelBinding }),
        },
        choice.mechanism,
      );
      if (SCRAM_NAMES.includes(choice.mechanism) || SCRAM_PLUS_NAMES.includes(choice.mechanism)) {
        // Created by the factory for this name: one of the SCRAM classes.
        const scram = created as ScramMechanism;
        if (success) scram.verifyServerFinal(Buffer.from(success, 'base64').toString('latin1'));
        if (!scram.serverVerified) throw new ScramError('SCRAM: the server sent no signature (server-final message)');
        // Only once the server proved it knows them: keys for a server that did not are worth nothing.
        if (scram.keys) options.onScramKeys?.(scram.keys);
      }
    } catch (err) {
      if (err instanceof ScramError) throw errors.scramServerFailed(err.message.replace(/^SCRAM: /, ''));
      throw err;
    } finally {
      entity.off('nonza', onNonza);
    }
  });
  const resume = options.resume;
  if (resume) {
    // XEP-0198 §5: <resume/> where a new session would bind a resource. Not handed on: no bind.
    streamFeatures.use('sm', NS_SM, async ({ entity: e }) => {
      const answer = new Promise<Element>((resolve) => {
        const onNonza = (el: Element) => {
          if (el.getNS() !== NS_SM || (el.name !== 'resumed' && el.name !== 'failed')) return;
          entity.off('nonza', onNonza);
          resolve(el);
        };
        entity.on('nonza', onNonza);
      });
      await entity.send(resume.element);
      const el = await answer;
      if (el.name === 'failed') {
        const condition = el.getChildElements().find((c) => c.getNS() === NS_STANZAS)?.name ?? 'undefined-condition';
        throw new ResumeRefused(`the XMPP server refused to resume the session (${condition})`);
      }
      // Not in our declaration of Client: @xmpp/connection's own steps after a bind (resource-binding/index.js).
      const internals = e as { _jid(jid: string): unknown; _ready(resumed: boolean): void };
      internals._jid(resume.jid);
      internals._ready(false);
    });
    // Reached only when the new stream offers no stream management: binding would start another session.
    streamFeatures.use('bind', NS_BIND, () => {
      throw new ResumeRefused('the XMPP server no longer offers stream management');
    });
  } else {
    _resourceBinding({ streamFeatures, iqCaller }, options.resource);
  }
  return entity;
}

/** The steps of @xmpp/connection's start() (index.js), public methods of every xmpp.js 0.14 entity. */
interface Starter {
  options: { service: string; domain: string; lang?: string };
  connect(service: string): Promise<void>;
  open(options: { domain: string; lang?: string }): Promise<void>;
}

/**
 * Connection.start() without its leak: xmpp.js 0.14 creates the "online" promise before opening the
 * stream and drops it when opening fails, so a later 'error' of the dead client rejects it unhandled,
 * which ends the worker thread (seen on a connection reset while resuming). Here it is always handled.
 */
export async function startClient(entity: Client): Promise<void> {
  // Our declaration of Client leaves out connect/open; see Starter.
  const c = entity as unknown as Starter;
  await c.connect(c.options.service);
  const online = new Promise<void>((resolve, reject) => {
    const onOnline = () => {
      entity.off('error', onError);
      resolve();
    };
    const onError = (err: unknown) => {
      entity.off('online', onOnline);
      reject(err);
    };
    entity.once('online', onOnline);
    entity.once('error', onError);
  });
  online.catch(() => undefined);
  await c.open({ domain: c.options.domain, ...(c.options.lang !== undefined && { lang: c.options.lang }) });
  await online;
}

/** The part of @xmpp/connection (index.js) and @xmpp/connection-tcp that writes elements to the socket. */
interface ElementWriter {
  root: Element | null;
  write(fragment: string): Promise<void>;
  send(element: Element): Promise<void>;
  sendMany(elements: Element[]): Promise<void>;
  emit(event: 'send', element: Element): boolean;
}

/**
 * Replaces the connection's `send` and `sendMany` (which write `element.toString()`) by the same
 * steps with `serialize`, so CR in text and CR/LF/TAB in attributes reach the peer unchanged
 * (XML 1.0 §2.11, §3.3.3). Every plugin (SASL, bind, the IQ caller) sends through these two.
 */
function writeWithCharacterReferences(entity: Client): void {
  // Our declaration of Client leaves out these connection internals; they exist on every xmpp.js 0.14 entity.
  const connection = entity as unknown as ElementWriter;
  connection.send = async (element) => {
    element.parent = connection.root;
    await connection.write(serialize(element));
    connection.emit('send', element);
  };
  connection.sendMany = async (elements) => {
    let fragment = '';
    for (const element of elements) {
      element.parent = connection.root;
      fragment += serialize(element);
    }
    await connection.write(fragment);
    for (const element of elements) connection.emit('send', element);
  };
}

/** A STARTTLS failure as the gateway's error: the server's refusal, or the handshake's reason. */
function tlsError(err: unknown): unknown {
  if (err instanceof Error && err.message === 'STARTTLS_FAILURE') return errors.tlsFailed('the server answered STARTTLS with <failure/>');
  const e = err as { code?: unknown; message?: unknown; reason?: unknown } | null;
  if (typeof e?.code !== 'string' || typeof e.message !== 'string') return err;
  // A certificate check names OpenSSL's verification code (DEPTH_ZERO_SELF_SIGNED_CERT) with a
  // sentence as message; a protocol failure (ERR_SSL_…) has OpenSSL's reason, and a message that
  // also names OpenSSL's source files, which is left out.
  const why = typeof e.reason === 'string' ? e.reason : (e.message.split('\n')[0] ?? e.code);
  return errors.tlsFailed(`${why} (${e.code})`);
}

export class AuthError extends Error {
  override name = 'SASLError';
}

export type InBandOptions = Omit<ClientOptions, 'beforeAuth' | 'username' | 'password' | 'resource' | 'anonymous'>;

/**
 * Opens a stream with the login's connection code (TCP, STARTTLS when offered), runs `run` before
 * authentication with a way to send IQs to the server, then closes the stream. Used for XEP-0077
 * §3.1 in-band registration; the outcome is run's, or the connection's failure.
 */
export async function withUnauthenticatedStream<T>(
  options: InBandOptions,
  run: (request: (iq: Element) => Promise<Element>, features: Element) => Promise<T>,
): Promise<T> {
  let settle: { resolve(value: T): void; reject(err: unknown): void } = { resolve: () => undefined, reject: () => undefined };
  const outcome = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  const entity = createXmppClient({
    ...options,
    beforeAuth: async (e, features) => {
      try {
        settle.resolve(await run(preAuthRequester(e, options.domain, options.timeoutMs), features));
      } catch (err) {
        settle.reject(err);
      }
    },
  });
  entity.on('error', (err: unknown) => settle.reject(err));
  const timer = setTimeout(() => settle.reject(errors.timeout('The XMPP server did not answer in time')), options.timeoutMs);
  // start() only settles by going online (never, here) or failing to connect.
  entity.start().catch((err: unknown) => settle.reject(err));
  try {
    return await outcome;
  } finally {
    clearTimeout(timer);
    await entity.stop().catch(() => entity.disconnect().catch(() => undefined));
  }
}

/** Before authentication the server answers for itself: a reply must come from its domain or carry no from. */
function preAuthRequester(entity: Client, domain: string, timeoutMs: number): (iq: Element) => Promise<Element> {
  return (iq) =>
    new Promise<Element>((resolve, reject) => {
      const id = (iq.attrs.id ??= randomUUID());
      const onStanza = (stanza: Element) => {
        if (stanza.name !== 'iq' || stanza.attrs.id !== id || (stanza.attrs.type !== 'result' && stanza.attrs.type !== 'error')) return;
        const from = stanza.attrs.from?.toLowerCase();
        if (from !== undefined && from !== domain.toLowerCase()) return;
        done();
        resolve(stanza);
      };
      const timer = setTimeout(() => {
        done();
        reject(errors.timeout('The XMPP server did not answer in time'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        entity.off('stanza', onStanza);
      };
      entity.on('stanza', onStanza);
      entity.send(iq).catch((err: unknown) => {
        done();
        reject(err);
      });
    });
}

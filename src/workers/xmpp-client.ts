// One XMPP c2s client, wired from xmpp.js parts: TCP, SASL (our fast SCRAM-SHA-1, PLAIN only
// over TLS, ANONYMOUS on request) and resource binding. No websocket, no reconnect, no stream
// management: the gateway owns the session lifecycle itself.
import { randomUUID } from 'node:crypto';
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
import { ScramSha1Mechanism } from './scram.js';
import { starttls } from './starttls.js';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

/** Where and as whom to connect (the worker protocol's login request), plus how. */
export interface ClientOptions extends Omit<LoginRequest, 'anonymous'> {
  anonymous?: boolean;
  timeoutMs: number;
  /** Verify the server certificate on STARTTLS (false only for development servers). */
  tlsVerify: boolean;
  /**
   * Run this where authentication would start (on the secured stream when the server offers
   * STARTTLS) instead of authenticating: the client never goes online. For XEP-0077 §3.1.
   */
  beforeAuth?: (entity: Client, features: Element) => Promise<void>;
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
  // STARTTLS first when the server offers it (stream features are tried in registration order).
  starttls(streamFeatures, { domain: options.domain, verify: options.tlsVerify });

  const beforeAuth = options.beforeAuth;
  // Registered ahead of SASL, which it never hands on to.
  if (beforeAuth) streamFeatures.use('mechanisms', NS_SASL, ({ entity: e }, _next, features) => beforeAuth(e as Client, features));

  // Priority order: SCRAM first; PLAIN is used only when the stream is encrypted.
  const saslFactory = new SASLFactory();
  saslFactory.use(ScramSha1Mechanism);
  plain(saslFactory);
  anonymous(saslFactory);

  _sasl({ streamFeatures, saslFactory }, async (authenticate, mechanisms) => {
    if (options.anonymous) {
      if (!mechanisms.includes('ANONYMOUS')) throw new AuthError('The server does not offer anonymous login');
      return authenticate({}, 'ANONYMOUS');
    }
    const usable = mechanisms.filter((m) => m !== 'ANONYMOUS' && (m !== 'PLAIN' || entity.isSecure()));
    const mechanism = usable[0];
    if (!mechanism) throw new AuthError('No compatible SASL mechanism offered');
    return authenticate({ username: options.username, password: options.password }, mechanism);
  });
  _resourceBinding({ streamFeatures, iqCaller }, options.resource);
  return entity;
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

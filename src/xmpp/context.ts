// What a worker-side handler may do with the session's XMPP connection. Worker side only.
import type { Element } from 'ltx';

export interface XmppContext {
  /** Own full JID as bound by the server. */
  readonly jid: string;
  readonly bareJid: string;
  readonly domain: string;
  send(stanza: Element): void;
  /** Sends an IQ and resolves with the result; rejects with a GatewayError (stanza error → status, or 504). */
  iq(stanza: Element, timeoutMs?: number): Promise<Element>;
  /** Emits an incoming event to every event stream of the session. */
  emit(name: string, data: unknown): void;
  newId(): string;
  /** Gateway features (disco#info) contributed by every registered area. */
  readonly features: readonly string[];
  /**
   * The namespaces of the stream features the server offered last, after authentication (RFC 6120
   * §4.3.2: bind, XEP-0352 csi, …); undefined where no stream is known (e.g. a test's fake session).
   */
  readonly streamFeatures?: readonly string[];
  /**
   * Holds an incoming request of a kind (the area's own name for it) until the client answers it
   * (docs/api.md, "Incoming requests"); on timeout the gateway sends `onTimeout(stanza)` (default
   * for IQs: a `recipient-unavailable` error). False: refused (too many).
   */
  hold(kind: string, stanza: Element, onTimeout?: (stanza: Element) => Element | undefined): boolean;
  /** Takes the held request of that kind that an answer to `to` with `id` refers to; undefined when none waits. */
  release(kind: string, to: string, id: string): Element | undefined;
  /**
   * The area's own state for this session (e.g. the MUC rooms joined), created by `init` on first
   * use. It lives with the session in its worker and ends with it.
   */
  state<T>(areaId: string, init: () => T): T;
  /** How long to wait for an answer that is not an IQ result (e.g. a MUC self-presence): the IQ timeout. */
  readonly timeoutMs: number;
  /** Configured bounds on what one session may produce or hold, and the services it addresses by default. */
  readonly limits: SessionLimits;
}

/** From the configuration (src/config.ts): MAM_MAX_RESULTS, WTF_MAX_BYTES, WTF_PER_MINUTE, SUPERFEEDR_JID, FANOUT_JID, AVATAR_MAX_BYTES. */
export interface SessionLimits {
  /** Most archived messages one archive query answers (XEP-0313); more come page by page. */
  readonly mamMaxResults: number;
  /** Largest unknown stanza pushed as xmpp.wtf.push, in bytes of XML text. */
  readonly unknownStanzaMaxBytes: number;
  /** Unknown stanzas pushed per minute (the burst allowed is the same number); 0: none. */
  readonly unknownStanzasPerMinute: number;
  /** The Superfeedr service (SUPERFEEDR_JID): its notifications alone are xmpp.superfeedr.push. */
  readonly superfeedrJid: string;
  /** The default Fanout service (FANOUT_JID) of fanout.fpp.* actions. */
  readonly fanoutJid: string;
  /** Largest avatar image one upload publishes (XEP-0084 data), in decoded bytes. */
  readonly avatarMaxBytes: number;
}

/** A stream that has not authenticated (XEP-0077 §3.1): the server answers for itself. */
export interface PreAuthContext {
  readonly domain: string;
  /** The stream features the server offered where authentication would start. */
  readonly features: Element;
  /** Sends an IQ and resolves with the server's result or error reply (both: the caller decides). */
  request(iq: Element): Promise<Element>;
}

/**
 * Incoming stanzas are routed by computed keys (src/xmpp/dispatch.ts). Where two areas claim one
 * key, their `priority` says who goes first (higher first, as Prosody's hook priorities); equal
 * priorities of two areas on one key are refused when the dispatcher is built.
 */
export interface IncomingDef {
  /** Dispatch key (see src/xmpp/dispatch.ts). */
  key: string;
  /** Default 0. */
  priority?: number;
  /** Returns false to let the stanza go on to the next handler. */
  handle(ctx: XmppContext, stanza: Element): boolean | void;
}

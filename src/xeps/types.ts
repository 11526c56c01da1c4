// What a XEP area declares. The same module object is imported on both sides of the worker
// boundary: the HTTP thread reads its schemas (routes, OpenAPI, event docs), the worker runs its
// handlers (the only code that touches XML).
import type { Static, TSchema } from '@sinclair/typebox';
import type { Element } from 'ltx';

/** What a XEP handler may do with the session's XMPP connection (worker side). */
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
   * Holds an incoming request of a kind (the area's own name for it) until the client answers it (API.md §4); on timeout the gateway sends
   * `onTimeout(stanza)` (default for IQs: a `recipient-unavailable` error). False: refused (too many).
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
}

/** A validation message override: the catalogue's text (and its error `type` where it is not `modify`). */
export type MessageOverride = string | { description: string; type: string };

export interface ActionDef<B extends TSchema = TSchema, R extends TSchema = TSchema> {
  /** The XMPP-FTW event name without `xmpp.` (`chat.message` → POST /v1/chat/message). */
  name: string;
  summary: string;
  description?: string;
  body: B;
  response: R;
  /** Keys `required:<prop>`, `type:<prop>`, … → catalogue validation messages. */
  messages?: Record<string, MessageOverride>;
  /** True for actions XMPP-FTW never had (documented as gateway additions). */
  beyondXmppFtw?: boolean;
  /** XMPP errors this action can answer with, for the OpenAPI document. */
  errorStatuses?: number[];
  handler(ctx: XmppContext, body: Static<B>): Promise<Static<R>>;
}

export interface IncomingDef {
  /** Dispatch key (see src/xmpp/dispatch.ts). */
  key: string;
  /** Returns false to let the stanza go on to the next key. */
  handle(ctx: XmppContext, stanza: Element): boolean | void;
}

export interface EventDef {
  /** Full SSE event name, e.g. `xmpp.chat.message`. */
  name: string;
  summary: string;
  schema: TSchema;
}

export interface XepModule {
  /** Folder name, e.g. `xep0045-muc`. */
  id: string;
  /** OpenAPI tag of its operations. */
  tag: string;
  /** Spec and version implemented, for the docs. */
  spec: string;
  features?: string[];
  actions?: ActionDef[];
  incoming?: IncomingDef[];
  events?: EventDef[];
}

/** Declares an action with its schema types flowing into the handler. */
export function action<B extends TSchema, R extends TSchema>(def: ActionDef<B, R>): ActionDef {
  return def as unknown as ActionDef;
}

// What an area (one XEP, or a core part of RFC 6120/6121) declares. Two sides, loaded by two threads:
//
//   api.ts     the API side: schemas, actions by name, events, features, error statuses. Pure JSON
//              Schema and strings; the HTTP thread builds routes, validation and OpenAPI from it.
//   worker.ts  the worker side: the action handlers and incoming-stanza handlers (XML⇄JSON through
//              mapping.ts). Loaded only by the worker threads, through the loader in the area's index.ts.
//
// The HTTP thread never loads a worker side (so never ltx), and a worker side must implement every
// action its API side declares: a missing handler is a compile error (`Handlers<>` below).
import type { Static, TSchema } from '@sinclair/typebox';
import type { IncomingDef, PreAuthContext, XmppContext } from '../xmpp/context.js';

/** A validation message override: XMPP-FTW's text (and its error `type` where it is not `modify`). */
export type MessageOverride = string | { description: string; type: string };

export interface ActionSpec<B extends TSchema = TSchema, R extends TSchema = TSchema> {
  summary: string;
  description?: string;
  body: B;
  response: R;
  /** Keys `required:<prop>`, `type:<prop>`, … → XMPP-FTW's validation messages. */
  messages?: Record<string, MessageOverride>;
  /** True for actions XMPP-FTW never had (documented as gateway additions). */
  beyondXmppFtw?: boolean;
  /** Statuses of the XMPP errors this action can answer with, for the OpenAPI document. */
  errorStatuses?: readonly number[];
}

/** Where a sessionless action connects; checked against XMPP_ALLOWED_HOSTS by the HTTP side. */
export interface ConnectTarget {
  domain: string;
  host: string;
  port: number;
}

/**
 * An action that needs no session (XEP-0077 §3.1 account creation): it runs on a fresh,
 * unauthenticated stream to the server its body names, and needs no token.
 */
export interface SessionlessSpec<B extends TSchema = TSchema, R extends TSchema = TSchema> extends ActionSpec<B, R> {
  /** HTTP status of a success (default 200), and what it means. */
  successStatus?: number;
  successDescription?: string;
  /** Where to connect, read from a validated body; throws a GatewayError (400) when the body names no server. */
  target(body: Static<B>): ConnectTarget;
}

/** Declares a sessionless action, so that `target` gets its body's type. */
export function sessionlessAction<B extends TSchema, R extends TSchema>(spec: SessionlessSpec<B, R>): SessionlessSpec<B, R> {
  return spec;
}

export interface EventSpec {
  summary: string;
  schema: TSchema;
}

/** The API side of an area. Action names are XMPP-FTW's without `xmpp.` (`muc.join` → POST /v1/muc/join). */
export interface AreaApi {
  /** Folder name, e.g. `xep0045-muc`. */
  readonly id: string;
  /** OpenAPI tag of its operations. */
  readonly tag: string;
  /** Spec and version implemented, for the docs. */
  readonly spec: string;
  /** disco#info features this area makes the gateway advertise (XEP-0030, XEP-0115). */
  readonly features?: readonly string[];
  readonly actions: Readonly<Record<string, ActionSpec>>;
  readonly sessionless?: Readonly<Record<string, SessionlessSpec>>;
  /** Full SSE event names (`xmpp.muc.message`) and their data schemas. */
  readonly events?: Readonly<Record<string, EventSpec>>;
  /**
   * The prefix of XMPP-FTW's names for this area's actions and events (default `xmpp.`), which the action
   * names drop. One area had none: Fanout's `fanout.fpp.subscribe` keeps every part (POST
   * /v1/fanout/fpp/subscribe) and its event is `fanout.fpp.push` (docs/api.md §1).
   */
  readonly ftwPrefix?: 'xmpp.' | '';
}

/** XMPP-FTW's name of an action (`muc.join` → `xmpp.muc.join`; `fanout.fpp.subscribe` as it is). */
export function ftwName(api: Pick<AreaApi, 'ftwPrefix'>, action: string): string {
  return `${api.ftwPrefix ?? 'xmpp.'}${action}`;
}

/** An SSE event's name as the areas table shows it: without the area's prefix (`xmpp.muc.message` → `muc.message`). */
export function shortEventName(api: Pick<AreaApi, 'ftwPrefix'>, event: string): string {
  const prefix = api.ftwPrefix ?? 'xmpp.';
  return event.startsWith(prefix) ? event.slice(prefix.length) : event;
}

/** Declares an API side; `const` keeps action names and schemas as literal types for the worker side. */
export function defineApi<const A extends AreaApi>(api: A): A {
  // Event names carry the area's prefix; only an area that declares the exception may go without `xmpp.`.
  for (const name of Object.keys(api.events ?? {})) {
    if (((api.ftwPrefix ?? 'xmpp.') === 'xmpp.') !== name.startsWith('xmpp.')) {
      throw new Error(`Area ${api.id}: event ${name} ${name.startsWith('xmpp.') ? 'has' : 'lacks'} the xmpp. prefix (see ftwPrefix)`);
    }
  }
  return api;
}

export type ActionHandler<S> = S extends ActionSpec<infer B, infer R> ? (ctx: XmppContext, body: Static<B>) => Promise<Static<R>> : never;
export type SessionlessHandler<S> =
  S extends SessionlessSpec<infer B, infer R> ? (ctx: PreAuthContext, body: Static<B>) => Promise<Static<R>> : never;

export type Handlers<A> = { [K in keyof A]: ActionHandler<A[K]> };
export type SessionlessHandlers<A> = { [K in keyof A]: SessionlessHandler<A[K]> };

/** The worker side of an area: a handler for every declared action, and its incoming-stanza handlers. */
export type AreaWorker<Api extends AreaApi> = {
  actions: Handlers<Api['actions']>;
  incoming?: readonly IncomingDef[];
} & (Api['sessionless'] extends Record<string, SessionlessSpec> ? { sessionless: SessionlessHandlers<Api['sessionless']> } : object);

/** The worker side with its types erased, as the worker thread holds every area's. */
export interface LoadedWorker {
  actions: Record<string, (ctx: XmppContext, body: unknown) => Promise<unknown>>;
  incoming?: readonly IncomingDef[];
  sessionless?: Record<string, (ctx: PreAuthContext, body: unknown) => Promise<unknown>>;
}

/** A registry entry: the API side, and how a worker thread loads the worker side. */
export interface Area {
  readonly api: AreaApi;
  load(): Promise<LoadedWorker>;
}

/**
 * One registry entry. The loader is a dynamic import, so the HTTP thread (which never calls it)
 * never loads the worker side; its type ties the worker side to this API side.
 */
export function area<const Api extends AreaApi>(api: Api, load: () => Promise<{ worker: AreaWorker<Api> }>): Area {
  return {
    api,
    // Handlers take the bodies their schema validated; erased here, where every area's are held together.
    load: async () => (await load()).worker as unknown as LoadedWorker,
  };
}

/** Declares a worker side against its API side (for inference of handler parameter types). */
export function defineWorker<Api extends AreaApi>(_api: Api, worker: AreaWorker<Api>): AreaWorker<Api> {
  return worker;
}

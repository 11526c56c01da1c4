// The types of the gateway's HTTP API for applications: `import type { Events } from 'xmpp-ftw-gateway'`.
// Written by hand over types/openapi.d.ts, which `npm run types:write` generates from openapi/openapi.json
// (docs/api.md §7, SDK generation). Types only: the package has no JavaScript API.
import type { components, operations, paths } from './openapi.js';

export type { components, operations, paths };

type Schemas = components['schemas'];

/** The one error shape of every error response and of xmpp.error (docs/api.md §5). */
export type GatewayError = Schemas['GatewayError'];
/** A JID as events and responses give it. */
export type Jid = Schemas['Jid'];
/** A JID as requests take it: `user@example.org` or `user@example.org/resource`. */
export type JidString = Schemas['JidString'];

/** One frame of GET /v1/events, as an SSE parser gives it with its data parsed (docs/api.md §7). */
export type EventFrame = paths['/v1/events']['get']['responses'][200]['content']['text/event-stream'];
/** Every event name of the stream. */
export type EventName = EventFrame['event'];
/** Event name → the type of its `data`: `Events['xmpp.chat.message']`. */
export type Events = { [F in EventFrame as F['event']]: F['data'] };
/** The frame of one event, narrowed by its name. */
export type FrameOf<E extends EventName> = Extract<EventFrame, { event: E }>;

/** Every action's path: POST /v1/a/b/c for XMPP-FTW's xmpp.a.b.c. */
export type ActionPath = { [P in keyof paths]-?: paths[P] extends { post: object } ? P : never }[keyof paths];
type Post<P extends ActionPath> = paths[P] extends { post: infer O } ? O : never;
/** The JSON body of an action (`undefined` allowed where the body may be left out). */
export type RequestBody<P extends ActionPath> =
  Post<P> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Post<P> extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B | undefined
      : never;
/** The JSON answer of an action on success (200, or 201 for logins and account creation). */
export type ResponseBody<P extends ActionPath> =
  Post<P> extends { responses: infer R }
    ? R extends { 200: { content: { 'application/json': infer A } } }
      ? A
      : R extends { 201: { content: { 'application/json': infer A } } }
        ? A
        : never
    : never;

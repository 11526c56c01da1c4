// The OpenAPI 3.1 document, generated from the route schemas (one source of truth), plus every
// SSE event's data schema under components.schemas and the `x-events` map on GET /v1/events.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { ErrorSchema, GatewayWarningEvent, JidObject, JidString } from '../schemas/common.js';
import type { Area } from '../xeps/area.js';
import { byId } from '../xeps/index.js';
import { type JsonObject, optionalBodies, responseHeaders, shareSchemas, unwrapSingleAnyOf } from './openapi-document.js';
import { fillEventExamples, fillExamples } from './openapi-examples.js';
import { ERROR_SCHEMA_ID } from './route-schema.js';

/** The session's own events (not an area's); `beyondXmppFtw`: the gateway's additions. */
export const GATEWAY_EVENTS: ReadonlyArray<{ name: string; summary: string; beyondXmppFtw?: true }> = [
  {
    name: 'xmpp.connection',
    summary:
      'Session status: online at login, reconnecting then online resumed after a dropped connection, offline at logout (the last event)',
  },
  { name: 'xmpp.error', summary: 'Connection-level error, e.g. { type: "connection", condition: "disconnected" } (the last event)' },
  { name: 'xmpp.gateway.gap', summary: 'Events after the cursor are no longer buffered: some were missed', beyondXmppFtw: true },
  {
    name: 'xmpp.gateway.warning',
    beyondXmppFtw: true,
    summary:
      'An incoming stanza could not be handled (it was answered with an error where it was a request), or an unknown one was not pushed (too large, too many)',
  },
];

/** A TypeBox schema as the plain JSON it serialises to (its symbol keys dropped). */
const toJson = (schema: TSchema): JsonObject => JSON.parse(JSON.stringify(schema)) as JsonObject;

/**
 * Named once in components.schemas, referenced everywhere else: a JID as events and responses give it,
 * and as requests take it (src/schemas/common.ts).
 */
export const SHARED_COMPONENTS: Record<string, JsonObject> = {
  Jid: toJson(JidObject),
  JidString: toJson(JidString()),
};

const TICKET_PARAMETER: JsonObject = {
  name: 'ticket',
  in: 'query',
  required: false,
  schema: { type: 'string', maxLength: 256 },
  description: 'From POST /v1/events/ticket, for clients that cannot send headers (EventSource); the `ticket` security scheme',
};

/** The object under `key` (created empty when absent, so that passes can fill it in place). */
function objectAt(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

/** The object under `key`, if there is one (apps built without the event stream have no /v1/events). */
function objectIn(parent: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = parent?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/** The component of one SSE frame of an event (`sse.` never starts an event name). */
export const frameComponent = (event: string): string => `sse.${event}`;

/** Frames without an `id:` line: the gap notice is not in the log, so it has no cursor (src/http/sse.ts). */
const WITHOUT_ID = new Set(['xmpp.gateway.gap']);

/** One component per event: the frame `{ event, id, data }` as an SSE parser gives it, data parsed from its JSON. */
function frameSchemas(summaries: Record<string, string>): JsonObject {
  const out: JsonObject = {};
  for (const name of Object.keys(summaries).sort()) {
    out[frameComponent(name)] = {
      type: 'object',
      description: `The SSE frame of ${name}: ${summaries[name]!}`,
      properties: {
        event: { type: 'string', const: name, description: 'The `event:` line' },
        ...(!WITHOUT_ID.has(name) && {
          id: { type: 'string', description: 'The `id:` line: the cursor to resume after this event (Last-Event-ID)' },
        }),
        data: { $ref: `#/components/schemas/${name}`, description: 'The `data:` line, parsed as JSON' },
      },
      required: WITHOUT_ID.has(name) ? ['event', 'data'] : ['event', 'id', 'data'],
      additionalProperties: false,
    };
  }
  return out;
}

/**
 * The 200 of GET /v1/events: the schema of one frame of the stream, a oneOf of every event's frame
 * discriminated by its name. OpenAPI 3.1 has no item schema for streams (3.2's `itemSchema`), so the
 * convention is docs/api.md §7's: the text/event-stream schema describes each frame, not the whole body.
 */
function setStreamSchema(op: JsonObject, names: string[]): void {
  const refs = names.map((n) => `#/components/schemas/${frameComponent(n)}`);
  const ok = objectAt(objectAt(op, 'responses'), '200'); // the route declares it (src/http/sse.ts)
  ok.content = {
    'text/event-stream': {
      schema: {
        description:
          'One frame of the stream (docs/api.md §7): its `event:` name, its `id:` cursor and its `data:` parsed as JSON. ' +
          'Comment lines (heartbeats) and the `retry:` line carry no event.',
        oneOf: refs.map(($ref) => ({ $ref })),
        discriminator: { propertyName: 'event', mapping: Object.fromEntries(names.map((n, i) => [n, refs[i]!])) },
      },
    },
  };
}

/**
 * The top-level `webhooks` entry (OpenAPI 3.1 §4.8.1): the POST a registered webhook receives
 * (src/webhooks/webhooks.ts, docs/api.md "Webhooks"). Its entries are the stream's frames.
 */
function webhooksEntry(names: string[]): JsonObject {
  const refs = names.map((n) => `#/components/schemas/${frameComponent(n)}`);
  const header = (name: string, description: string): JsonObject => ({
    name,
    in: 'header',
    required: true,
    schema: { type: 'string' },
    description,
  });
  return {
    events: {
      post: {
        operationId: 'webhookDelivery',
        summary: 'A delivery to a webhook registered with POST /v1/webhooks',
        // The receiver authenticates the gateway by webhook-signature, not by an HTTP security scheme.
        security: [],
        description:
          'One delivery at a time per webhook, in log order; a delivery not answered 2xx within WEBHOOK_TIMEOUT_MS is retried with ' +
          'the same webhook-id and events (exponential backoff, WEBHOOK_ATTEMPTS attempts, then again later from the same cursor). ' +
          'Deliveries are at-least-once: deduplicate by the events’ `id`. Verify webhook-signature before trusting the body (docs/api.md "Webhooks").',
        parameters: [
          header('webhook-id', 'The message id: the same on every attempt of this delivery'),
          header('webhook-timestamp', 'Unix time in seconds of this attempt; refuse ones far from your clock (replays)'),
          header(
            'webhook-signature',
            '`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part of the secret after `whsec_`',
          ),
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['webhook', 'events'],
                additionalProperties: false,
                properties: {
                  webhook: { type: 'string', description: 'The id POST /v1/webhooks returned' },
                  events: {
                    type: 'array',
                    minItems: 1,
                    description: 'What followed the last acknowledged event, oldest first: the same frames as GET /v1/events',
                    items: {
                      oneOf: refs.map(($ref) => ({ $ref })),
                      discriminator: { propertyName: 'event', mapping: Object.fromEntries(names.map((n, i) => [n, refs[i]!])) },
                    },
                  },
                },
              },
            },
          },
        },
        responses: {
          '2XX': { description: 'Acknowledged: the next delivery follows these events' },
          default: { description: 'Any other status, a redirect or no answer in time: retried' },
        },
      },
    },
  };
}

const FIXED_TAGS: Record<string, string> = {
  session: 'Log in (bearer token), log out (docs/api.md §2)',
  events: 'The event stream: Server-Sent Events of every incoming XMPP-FTW event, and its tickets (docs/api.md §3)',
  operations: 'Health, readiness and metrics for operators; no token (docs/api.md §9)',
};

/** One tag per area (areas sharing a tag list each spec), between the session tags and the operations tag. */
function tagsOf(areas: readonly Area[]): Array<{ name: string; description: string }> {
  const specs = new Map<string, string[]>();
  for (const { api } of byId(areas)) specs.set(api.tag, [...(specs.get(api.tag) ?? []), api.spec]);
  const names = [...new Set(['session', 'events', ...specs.keys(), 'operations'])];
  return names.map((name) => ({ name, description: FIXED_TAGS[name] ?? `Actions and events of ${specs.get(name)!.join('; ')}` }));
}

export async function registerOpenApi(app: FastifyInstance, areas: readonly Area[], version: string): Promise<void> {
  app.addSchema({ $id: ERROR_SCHEMA_ID, ...ErrorSchema });
  const eventSchemas: JsonObject = {
    'xmpp.connection': {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['online', 'offline', 'reconnecting'] },
        jid: toJson(JidObject),
        resumed: { type: 'boolean', description: 'true on the online that ends a reconnecting (XEP-0198 resumption)' },
      },
      required: ['status'],
    },
    'xmpp.error': { $ref: `#/components/schemas/${ERROR_SCHEMA_ID}` },
    'xmpp.gateway.gap': {
      type: 'object',
      properties: { description: { type: 'string' }, after: { type: ['string', 'null'] } },
    },
    'xmpp.gateway.warning': toJson(GatewayWarningEvent),
  };
  const summaries: Record<string, string> = Object.fromEntries(GATEWAY_EVENTS.map((e) => [e.name, e.summary]));
  for (const { api } of areas) {
    for (const [name, e] of Object.entries(api.events ?? {})) {
      eventSchemas[name] = { ...toJson(e.schema), description: e.summary };
      summaries[name] = e.summary;
    }
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'xmpp-ftw-gateway',
        version,
        description:
          'XMPP for the web over plain HTTP: every XMPP-FTW event `xmpp.a.b.c` is `POST /v1/a/b/c`; incoming events stream from `GET /v1/events` as Server-Sent Events with the same JSON shapes.',
      },
      servers: [{ url: '/', description: 'This gateway (paths are relative to where it is served)' }],
      tags: tagsOf(areas),
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The token from POST /v1/login' },
          ticket: { type: 'apiKey', in: 'query', name: 'ticket', description: 'From POST /v1/events/ticket; GET /v1/events only' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (doc) => {
      if (!('openapiObject' in doc)) return doc.swaggerObject;
      // A deep copy as plain JSON: the passes below must never reach the route schemas that validate requests.
      let o = JSON.parse(JSON.stringify(doc.openapiObject)) as JsonObject; // JSON.parse's any: a JSON object, as serialised above
      const components = objectAt(o, 'components');
      o.components = { ...components, schemas: { ...objectAt(components, 'schemas'), ...eventSchemas, ...frameSchemas(summaries) } };
      const events = objectIn(objectIn(objectIn(o, 'paths'), '/v1/events'), 'get');
      if (events) {
        const names = Object.keys(eventSchemas).sort();
        events['x-events'] = Object.fromEntries(
          names.map((n) => [n, { summary: summaries[n]!, schema: { $ref: `#/components/schemas/${n}` } }]),
        );
        setStreamSchema(events, names);
        // fastify-swagger leaves out a query parameter named like an apiKey scheme; SDKs need it to pass a ticket.
        events.parameters = [TICKET_PARAMETER, ...(Array.isArray(events.parameters) ? events.parameters : [])];
      }
      if (objectIn(objectIn(o, 'paths'), '/v1/webhooks')) o.webhooks = webhooksEntry(Object.keys(eventSchemas).sort());
      o = unwrapSingleAnyOf(o);
      o = shareSchemas(o, SHARED_COMPONENTS);
      o = optionalBodies(o);
      o = responseHeaders(o);
      o = fillExamples(o);
      o = fillEventExamples(o, Object.keys(eventSchemas));
      // The JSON tree is the document fastify-swagger's type describes; only its static type is lost above.
      return o as unknown as typeof doc.openapiObject;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

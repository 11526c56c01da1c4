// The OpenAPI 3.1 document, generated from the route schemas (one source of truth), plus every
// SSE event's data schema under components.schemas and the `x-events` map on GET /v1/events.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ErrorSchema, GatewayWarningEvent, JidObject } from '../schemas/common.js';
import type { Area } from '../xeps/area.js';
import { byId } from '../xeps/index.js';
import { ERROR_SCHEMA_ID } from './route-schema.js';

export const GATEWAY_EVENTS = [
  { name: 'xmpp.connection', summary: 'Session status: online at login, offline at logout (the last event)' },
  { name: 'xmpp.error', summary: 'Connection-level error, e.g. { type: "connection", condition: "disconnected" } (the last event)' },
  { name: 'xmpp.gateway.gap', summary: 'Events after the cursor are no longer buffered: some were missed' },
  {
    name: 'xmpp.gateway.warning',
    summary:
      'An incoming stanza could not be handled (it was answered with an error where it was a request), or an unknown one was not pushed (too large, too many)',
  },
];

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
  const eventSchemas: Record<string, unknown> = {
    'xmpp.connection': {
      type: 'object',
      properties: { status: { type: 'string', enum: ['online', 'offline'] }, jid: JidObject },
      required: ['status'],
    },
    'xmpp.error': { $ref: `#/components/schemas/${ERROR_SCHEMA_ID}` },
    'xmpp.gateway.gap': {
      type: 'object',
      properties: { description: { type: 'string' }, after: { type: ['string', 'null'] } },
    },
    'xmpp.gateway.warning': GatewayWarningEvent,
  };
  const summaries: Record<string, string> = Object.fromEntries(GATEWAY_EVENTS.map((e) => [e.name, e.summary]));
  for (const { api } of areas) {
    for (const [name, e] of Object.entries(api.events ?? {})) {
      eventSchemas[name] = { ...e.schema, description: e.summary };
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
      const o = doc.openapiObject as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the OpenAPI document is a free-form JSON tree here
      o.components ??= {};
      o.components.schemas = { ...(o.components.schemas ?? {}), ...eventSchemas };
      const events = o.paths?.['/v1/events']?.get;
      if (events) {
        events['x-events'] = Object.fromEntries(
          Object.keys(eventSchemas)
            .sort()
            .map((n) => [n, { summary: summaries[n], schema: { $ref: `#/components/schemas/${n}` } }]),
        );
      }
      return o;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

// Webhooks (docs/api.md "Webhooks"): register a URL that receives the session's events as signed POSTs,
// list and delete them, on any node (registrations are shared state). Delivery is src/webhooks/webhooks.ts;
// where a URL may point, src/webhooks/targets.ts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { Body, StringEnum } from '../schemas/common.js';
import type { SessionManager } from '../session/manager.js';
import { checkTarget } from '../webhooks/targets.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { authenticate, sessionOf } from './auth.js';
import { routeSchema } from './route-schema.js';

export interface WebhookRouteDeps {
  config: Config;
  manager: SessionManager;
  webhooks: Webhooks;
}

const WebhookId = Type.String({ minLength: 1, maxLength: 64, description: 'The id POST /v1/webhooks returned' });

const WebhookInfo = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Optional(Type.Array(Type.String(), { description: 'The event names it receives (absent: every event)' })),
  state: StringEnum(['active', 'failing'] as const, {
    description: 'failing: the last delivery was given up after WEBHOOK_ATTEMPTS attempts; it tries again later from the same cursor',
  }),
  lastEventId: Type.Optional(Type.String({ description: 'Cursor of the last event the receiver acknowledged' })),
  lastError: Type.Optional(Type.String({ description: 'Why the last attempt failed' })),
  pending: Type.Integer({ minimum: 0, description: 'Events logged after lastEventId and not acknowledged yet (its queue)' }),
});

export function webhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps, eventNames: readonly string[]): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { config, manager, webhooks } = deps;

  const RegisterBody = Body(
    {
      url: Type.String({ minLength: 1, maxLength: 2048, description: 'http: or https: URL allowed by WEBHOOK_ALLOWED_HOSTS' }),
      events: Type.Optional(
        Type.Array(Type.Unsafe<string>({ type: 'string', enum: [...eventNames] }), {
          minItems: 1,
          maxItems: eventNames.length,
          uniqueItems: true,
          description: 'Only these events (and always xmpp.gateway.gap and the session’s last event); absent: every event',
        }),
      ),
    },
    { examples: [{ url: 'https://hooks.example.org/xmpp', events: ['xmpp.chat.message'] }] },
  );

  typed.post('/v1/webhooks', {
    onRequest: authenticate(manager),
    schema: {
      ...routeSchema({
        path: '/v1/webhooks',
        tag: 'events',
        summary: 'Register a webhook: the session’s events from now on are POSTed to it, signed (Standard Webhooks)',
        description:
          'Each delivery is `{ webhook, events: [{ id, event, data }, …] }` with the headers webhook-id, webhook-timestamp and ' +
          'webhook-signature (`v1,` base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the secret), in log order, one at a ' +
          'time, retried with exponential backoff until a 2xx (docs/api.md "Webhooks"; the payload is the `events` entry of the ' +
          'document’s `webhooks`). The secret is shown only in this answer. At most WEBHOOKS_PER_SESSION per session (403 ' +
          'policy-violation); a URL outside WEBHOOK_ALLOWED_HOSTS, or reached through `*` but resolving to a loopback, private or ' +
          'link-local address, is 403 host-not-allowed. A session with a working webhook is not logged out for idleness.',
        success: {
          status: 201,
          schema: Type.Object({
            id: Type.String({ description: 'The webhook’s id (also in every delivery’s `webhook`)' }),
            secret: Type.String({ description: 'whsec_ + base64 key of the signatures: shown once' }),
          }),
          description: 'The webhook is registered',
        },
        errors: [400, 401, 403, 410, 503],
      }),
      body: RegisterBody,
    },
    handler: async (request, reply) => {
      const session = sessionOf(request);
      manager.requireOnline(session);
      const target = await checkTarget(config.webhookAllowedHosts, request.body.url);
      // The schema made every entry a known event name; the type provider infers array items as unknown.
      const events = request.body.events?.filter((e): e is string => typeof e === 'string');
      return reply.status(201).send(await webhooks.register(session.sid, target, events));
    },
  });

  typed.post('/v1/webhooks/list', {
    onRequest: authenticate(manager),
    schema: routeSchema({
      path: '/v1/webhooks/list',
      tag: 'events',
      summary: 'The session’s webhooks, with their delivery state (never their secrets)',
      description:
        'Each webhook’s id, url, event filter, `state` (`failing` once a delivery was given up after WEBHOOK_ATTEMPTS attempts; ' +
        'it tries the same events again later), the cursor of the last acknowledged event and the last error. The body may be left out.',
      body: Body({}),
      success: { status: 200, schema: Type.Object({ webhooks: Type.Array(WebhookInfo) }), description: 'The session’s webhooks' },
      errors: [400, 401, 410, 503],
    }),
    handler: async (request) => {
      const session = sessionOf(request);
      manager.requireOnline(session);
      return { webhooks: await webhooks.list(session.sid) };
    },
  });

  typed.post('/v1/webhooks/delete', {
    onRequest: authenticate(manager),
    schema: {
      ...routeSchema({
        path: '/v1/webhooks/delete',
        tag: 'events',
        summary: 'Delete a webhook: no delivery starts after this answer (one under way is aborted)',
        description: 'A webhook of another session, or one already deleted, is 404. The session’s end deletes its webhooks too.',
        success: { status: 200, schema: Type.Object({ ok: Type.Literal(true) }), description: 'The webhook is gone' },
        errors: [400, 401, 404, 410, 503],
      }),
      body: Body({ id: WebhookId }),
    },
    handler: async (request) => {
      const session = sessionOf(request);
      manager.requireOnline(session);
      await webhooks.delete(session.sid, request.body.id);
      return { ok: true as const };
    },
  });
}

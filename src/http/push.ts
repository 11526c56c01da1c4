// Web Push (docs/api.md "Web Push"): the VAPID public key for the browser's applicationServerKey, and a
// session's PushSubscriptions: subscribe, unsubscribe, list, on any node. Subscriptions live on the
// node that owns the session (src/push/push.ts), as its XMPP connection does: another node relays
// the request there, as it relays an action (src/session/relay.ts, same deadlines and 410 when the
// owner died). Where an endpoint may point: src/push/targets.ts.
import { createECDH } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import type { Push, PushKeys } from '../push/push.js';
import { DEFAULT_PUSH_EVENTS } from '../push/rules.js';
import { checkPushEndpoint } from '../push/targets.js';
import { Body, StringEnum } from '../schemas/common.js';
import type { SessionManager } from '../session/manager.js';
import { authenticate, sessionOf } from './auth.js';
import { routeSchema } from './route-schema.js';

export interface PushRouteDeps {
  config: Config;
  manager: SessionManager;
  push: Push;
}

/** The relayed requests, served by the owner node; NUL first: never an HTTP action's name (relay.ts). */
const SUBSCRIBE = '\u0000push.subscribe';
const LIST = '\u0000push.list';
const UNSUBSCRIBE = '\u0000push.unsubscribe';

/** What crosses to the owner: the request as validated on the node that took it (plain JSON). */
interface SubscribeRequest {
  endpoint: string;
  keys: PushKeys;
  events?: string[];
}
interface UnsubscribeRequest {
  id?: string;
  endpoint?: string;
}

/** base64url, padded or not, as PushSubscription.toJSON() gives it. */
const B64URL = '^[A-Za-z0-9_-]+={0,2}$';

const Endpoint = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'The PushSubscription’s endpoint: an https: URL of a push service allowed by PUSH_ALLOWED_HOSTS',
});

const PushInfo = Type.Object({
  id: Type.String(),
  endpoint: Type.String(),
  events: Type.Optional(Type.Array(Type.String(), { description: 'The event names it is pushed (absent: the default ones)' })),
  state: StringEnum(['active', 'failing'] as const, {
    description: 'failing: the last push was refused, or given up after PUSH_ATTEMPTS attempts; the next one tries again',
  }),
  delivered: Type.Integer({ description: 'Pushes the push service accepted' }),
  lastError: Type.Optional(Type.String({ description: 'Why the last push failed' })),
});

export function pushRoutes(app: FastifyInstance, deps: PushRouteDeps, eventNames: readonly string[]): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { config, manager, push } = deps;

  // The bodies below were validated against the routes' schemas on the node that took the request.
  manager.serveOwnerAction(SUBSCRIBE, async (sid, body) => {
    const { endpoint, keys, events } = body as SubscribeRequest;
    // Checked here, where the connections start: the target's lookup lives on this node.
    const target = await checkPushEndpoint(config.pushAllowedHosts, endpoint);
    return push.subscribe(sid, target, keys, events);
  });
  manager.serveOwnerAction(LIST, async (sid) => ({ subscriptions: push.list(sid), paused: await push.paused(sid) }));
  manager.serveOwnerAction(UNSUBSCRIBE, async (sid, body) => {
    push.unsubscribe(sid, body as UnsubscribeRequest);
    return { ok: true as const };
  });

  typed.get('/v1/push/key', {
    schema: routeSchema({
      path: '/v1/push/key',
      tag: 'events',
      summary: 'The VAPID public key: the applicationServerKey of the browser’s pushManager.subscribe()',
      description:
        'The gateway’s VAPID public key (RFC 8292), base64url of the uncompressed P-256 point, as PUSH_VAPID_PUBLIC_KEY holds it. ' +
        'No token. 501 when Web Push is off (no VAPID keys configured).',
      success: {
        status: 200,
        schema: Type.Object({ publicKey: Type.String({ description: 'base64url, 65 bytes once decoded' }) }),
        description: 'The VAPID public key',
      },
      errors: [400, 501],
      security: false,
    }),
    handler: async () => {
      if (!push.enabled) throw errors.pushOff();
      return { publicKey: config.pushVapidPublicKey };
    },
  });

  const SubscribeBody = Body(
    {
      endpoint: Endpoint,
      expirationTime: Type.Optional(
        Type.Union([Type.Null(), Type.Number()], { description: 'As PushSubscription.toJSON() gives it; not used' }),
      ),
      keys: Type.Object(
        {
          p256dh: Type.String({ pattern: B64URL, minLength: 87, maxLength: 88, description: 'The browser’s P-256 public key, base64url' }),
          auth: Type.String({ pattern: B64URL, minLength: 22, maxLength: 24, description: 'The 16-byte authentication secret, base64url' }),
        },
        { additionalProperties: false },
      ),
      events: Type.Optional(
        Type.Array(Type.Unsafe<string>({ type: 'string', enum: [...eventNames] }), {
          minItems: 1,
          maxItems: eventNames.length,
          uniqueItems: true,
          description: `Only these events; absent: ${DEFAULT_PUSH_EVENTS.join(' and ')} (chat messages with content, room messages that mention your nick or are private)`,
        }),
      ),
    },
    {
      examples: [
        {
          endpoint:
            'https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bHqjZxM0VImWWqDRN7U0a3AycjUf4O-byuxb_wJsKRaKvV_iKw56s16ekq6FUqoCF7k2nqkMt',
          keys: {
            p256dh: 'BIPUL12DLfytvTajnryr2PRdAgXS3HGKiLqndGcJGabyhHheJYlNGCeXl1dn18gSJ1WAkAPIxr4gK0_dQds4yiI',
            auth: 'FPssNDTKnInHVndSTdbKFw',
          },
        },
      ],
    },
  );

  typed.post('/v1/push/subscribe', {
    onRequest: authenticate(manager),
    schema: {
      ...routeSchema({
        path: '/v1/push/subscribe',
        tag: 'events',
        summary: 'Register a browser PushSubscription: chosen events are pushed to it while the session has no open stream',
        description:
          'The body is the browser’s `PushSubscription.toJSON()` (`endpoint`, `keys.p256dh`, `keys.auth`), with `events` to choose. ' +
          'Each push is `{ id, event, data }` (JSON, at most 3993 bytes: a longer `content` is shortened and `truncated: true` added), ' +
          'encrypted for the browser (RFC 8291, aes128gcm) and signed with the gateway’s VAPID key (RFC 8292), only while the ' +
          'session has no open event stream on any node (docs/api.md "Web Push"). The same endpoint again replaces its keys and ' +
          'events and keeps its id. At most PUSH_SUBSCRIPTIONS_PER_SESSION per session (403 policy-violation); an endpoint outside ' +
          'PUSH_ALLOWED_HOSTS is 403 host-not-allowed; malformed keys are 400. A session with a working push subscription is not ' +
          'logged out for idleness. A push service answering 404 or 410 ends the subscription.',
        success: {
          status: 201,
          schema: Type.Object({ id: Type.String({ description: 'The subscription’s id' }) }),
          description: 'The subscription is registered',
        },
        errors: [400, 401, 403, 410, 501, 503],
      }),
      body: SubscribeBody,
    },
    handler: async (request, reply) => {
      const session = sessionOf(request);
      manager.requireOnline(session);
      if (!push.enabled) throw errors.pushOff();
      const { endpoint, keys } = request.body;
      checkKeys(keys.p256dh, keys.auth);
      // The schema made every entry a known event name; the type provider infers array items as unknown.
      const events = request.body.events?.filter((e): e is string => typeof e === 'string');
      const ask: SubscribeRequest = { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth }, ...(events && { events }) };
      return reply.status(201).send((await manager.action(session, SUBSCRIBE, ask)).data);
    },
  });

  typed.post('/v1/push/list', {
    onRequest: authenticate(manager),
    schema: routeSchema({
      path: '/v1/push/list',
      tag: 'events',
      summary: 'The session’s push subscriptions, with their delivery state (never their keys)',
      description:
        'Each subscription’s id, endpoint, event filter, `state`, pushes accepted and the last error, and whether pushes are ' +
        '`paused` (an event stream is open on some node). The body may be left out.',
      body: Body({}),
      success: {
        status: 200,
        schema: Type.Object({
          subscriptions: Type.Array(PushInfo),
          paused: Type.Boolean({ description: 'true while the session has an open event stream on some node: nothing is pushed then' }),
        }),
        description: 'The session’s subscriptions',
      },
      errors: [400, 401, 410, 501, 503],
    }),
    handler: async (request) => {
      const session = sessionOf(request);
      manager.requireOnline(session);
      if (!push.enabled) throw errors.pushOff();
      // The owner's answer, of this route's shape (the LIST handler above).
      return (await manager.action(session, LIST, {})).data as { subscriptions: Static<typeof PushInfo>[]; paused: boolean };
    },
  });

  typed.post('/v1/push/unsubscribe', {
    onRequest: authenticate(manager),
    schema: {
      ...routeSchema({
        path: '/v1/push/unsubscribe',
        tag: 'events',
        summary: 'Remove a push subscription, by id or by endpoint: nothing is pushed to it after this answer',
        description:
          'Give `id` (from subscribe) or `endpoint` (what the browser knows), not both. One of another session, or one already ' +
          'removed, is 404. The session’s end removes its subscriptions too.',
        success: { status: 200, schema: Type.Object({ ok: Type.Literal(true) }), description: 'The subscription is gone' },
        errors: [400, 401, 404, 410, 501, 503],
      }),
      body: Body({
        id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The id subscribe returned' })),
        endpoint: Type.Optional(Endpoint),
      }),
    },
    handler: async (request) => {
      const session = sessionOf(request);
      manager.requireOnline(session);
      if (!push.enabled) throw errors.pushOff();
      const { id, endpoint } = request.body;
      if ((id === undefined) === (endpoint === undefined)) throw errors.clientError('Give either id or endpoint', request.body);
      let href: string | undefined;
      if (endpoint !== undefined) {
        try {
          const url = new URL(endpoint);
          url.hash = '';
          href = url.href;
        } catch {
          throw errors.clientError('Push endpoint is not a valid absolute URL');
        }
      }
      const ask: UnsubscribeRequest = { ...(id !== undefined && { id }), ...(href !== undefined && { endpoint: href }) };
      await manager.action(session, UNSUBSCRIBE, ask);
      return { ok: true as const };
    },
  });
}

/** The browser's keys (RFC 8291 §3.1, §3.2): a P-256 public point, and a 16-byte auth secret. */
function checkKeys(p256dh: string, auth: string): void {
  const point = Buffer.from(p256dh, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw errors.clientError('keys.p256dh is not an uncompressed P-256 public key (65 bytes)');
  try {
    // Throws when the point is not on the curve.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(point);
  } catch {
    throw errors.clientError('keys.p256dh is not a point of the P-256 curve');
  }
  if (Buffer.from(auth, 'base64url').length !== 16) throw errors.clientError('keys.auth is not a 16-byte secret');
}

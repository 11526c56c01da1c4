// Sessions (docs/api.md §2): login, anonymous login, logout, event-stream tickets.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { isGatewayErrorLike } from '../errors.js';
import { Body, ConnectHost, ConnectPort, Empty, JidObject } from '../schemas/common.js';
import { resolveTarget, type SessionManager } from '../session/manager.js';
import { authenticate, sessionOf } from './auth.js';
import type { RouteConfigWithMessages } from './errors.js';
import type { LoginLimits } from './login-limits.js';
import { routeSchema } from './route-schema.js';

const LoginBody = Body(
  {
    jid: Type.String({ minLength: 1, maxLength: 3071, description: "Full or bare JID; without '@' the host is appended" }),
    password: Type.String({ minLength: 1, maxLength: 1024, writeOnly: true }),
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 1023, description: "Ignored when the jid has a '/resource'" })),
    host: Type.Optional(ConnectHost()),
    port: Type.Optional(ConnectPort()),
  },
  { examples: [{ jid: 'alice@example.org', password: 'secret', resource: 'web' }] },
);

const AnonymousBody = Body(
  {
    jid: Type.String({ minLength: 1, maxLength: 3071, description: "The anonymous domain; a '/resource' suffix becomes the resource" }),
    host: Type.Optional(ConnectHost()),
    port: Type.Optional(ConnectPort()),
  },
  { examples: [{ jid: 'anon.example.org' }] },
);

const LoginResult = Type.Object(
  { token: Type.String({ description: 'Bearer token: a 256-bit secret, shown once' }), status: Type.Literal('online'), jid: JidObject },
  { examples: [{ token: 'q9…', status: 'online', jid: { user: 'alice', domain: 'example.org', resource: 'web' } }] },
);

const TicketResult = Type.Object({
  ticket: Type.String({ description: 'Pass as ?ticket= to GET /v1/events (EventSource cannot send headers)' }),
  expiresIn: Type.Integer({ description: 'Seconds to open a first stream with it; from then on it lives as long as the session' }),
});

/** Login failures that no retry or other password will mend: the server and the gateway do not fit. */
const OPERATOR_CONDITIONS: ReadonlySet<string> = new Set(['no-usable-mechanism', 'tls-failed']);

const loginMessages: RouteConfigWithMessages = {
  validationType: 'auth',
  messages: {
    'required:jid': { description: 'Missing jid and/or password', type: 'auth' },
    'required:password': { description: 'Missing jid and/or password', type: 'auth' },
  },
};

/** `limits`: the limits on guessing (buildApp always passes them; some route tests leave them out). */
export function sessionRoutes(app: FastifyInstance, manager: SessionManager, limits?: LoginLimits): void {
  // The type provider types each handler's body from the route's own schema.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const loginRoute = (
    path: string,
    body: typeof LoginBody | typeof AnonymousBody,
    summary: string,
    description: string,
    config: RouteConfigWithMessages,
    anonymous: boolean,
  ) =>
    typed.post(path, {
      config,
      schema: {
        ...routeSchema({
          path,
          tag: 'session',
          summary,
          description,
          success: { status: 201, schema: LoginResult, description: 'The session is online' },
          errors: [400, 401, 403, 429, 502, 503, 504],
          security: false,
        }),
        body,
      },
      handler: async (request, reply) => {
        const attempt = async () => {
          try {
            return reply.status(201).send(await manager.login(request.body, anonymous, request.log));
          } catch (err) {
            // A server this gateway cannot log in to is the operator's business: one line, no stack.
            if (isGatewayErrorLike(err) && OPERATOR_CONDITIONS.has(err.body.condition)) {
              request.log.warn({ condition: err.body.condition, offered: err.body.offered }, err.body.description ?? err.body.condition);
            }
            throw err;
          }
        };
        if (!limits) return attempt();
        // Counted per bare JID, or per domain for anonymous logins (a 400 for a bad JID is thrown here, before counting).
        const target = resolveTarget(request.body, anonymous);
        const key = target.username !== undefined ? `${target.username}@${target.domain}` : target.domain;
        return limits.run(reply, anonymous ? 'anonymous' : 'login', request.ip, key, attempt);
      },
    });
  loginRoute(
    '/v1/login',
    LoginBody,
    'Log in to an XMPP server (SASL SCRAM-SHA-512, -256 or -1; PLAIN only over TLS when no SCRAM is offered; resource binding); 201 once the stream is bound',
    'XMPP-FTW event `xmpp.login`. Opens an XMPP connection (RFC 6120 §6 SASL, §7 resource binding) and answers with a bearer ' +
      'token for every other operation. No token needed. Attempts are limited per client address and per account (429 with ' +
      'Retry-After, docs/api.md §2). Send presence (`POST /v1/presence`) to receive messages addressed to the bare JID; give ' +
      '`host`/`port` for a server that is not the JID domain on 5222. ' +
      'A wrong JID or password is `401 login-fail`. A `502` means this gateway cannot log in to that server whatever the password ' +
      '(docs/api.md §5): `no-usable-mechanism` (none of the SASL mechanisms offered fits; `offered` lists them), `tls-failed` ' +
      '(the STARTTLS handshake failed; the description gives the reason), `undefined-condition` (the server failed SCRAM mutual ' +
      'authentication), `remote-server-not-found` (unreachable).',
    loginMessages,
    false,
  );
  loginRoute(
    '/v1/login/anonymous',
    AnonymousBody,
    'Log in anonymously (SASL ANONYMOUS) to a domain that allows it',
    'XMPP-FTW’s login with an anonymous domain. SASL ANONYMOUS (RFC 4505, XEP-0175): the server chooses the JID. ' +
      'No token needed. Attempts are limited per client address and per domain (429 with Retry-After, docs/api.md §2).',
    { validationType: 'auth' },
    true,
  );

  app.post('/v1/logout', {
    onRequest: authenticate(manager),
    schema: routeSchema({
      path: '/v1/logout',
      tag: 'session',
      summary: 'End the session: unavailable presence, stream closed, token revoked; event streams end with xmpp.connection offline',
      description:
        'XMPP-FTW event `xmpp.logout`. Sends unavailable presence, closes the XMPP stream (RFC 6120 §4.4) and revokes the token and ' +
        'its tickets. The body may be left out.',
      body: Empty,
      success: { status: 200, schema: Type.Object({ ok: Type.Literal(true) }), description: 'The session has ended' },
      errors: [400, 401, 503, 504],
    }),
    handler: async (request) => {
      await manager.logout(sessionOf(request), request.log);
      return { ok: true };
    },
  });

  app.post('/v1/events/ticket', {
    onRequest: authenticate(manager),
    schema: routeSchema({
      path: '/v1/events/ticket',
      tag: 'events',
      summary: 'Get a ticket for GET /v1/events?ticket= (for EventSource)',
      description:
        'A ticket opens the event stream of its own session only, and is never a bearer token. Unused, it expires after `expiresIn` ' +
        'seconds (TICKET_TTL_S). Once a stream has opened with it, it stays valid for that session’s streams until the session ends ' +
        '(logout, idle timeout, disconnection), so that EventSource’s own reconnections, which reuse the URL with `Last-Event-ID`, go on ' +
        'however late they come. Logout revokes it.',
      body: Empty,
      success: { status: 200, schema: TicketResult, description: 'A ticket for this session’s event stream' },
      errors: [400, 401, 410, 503],
    }),
    handler: async (request) => manager.createTicket(sessionOf(request)),
  });
}

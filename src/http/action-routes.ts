// One POST route per action of every registered area: xmpp.a.b.c ↔ POST /v1/a/b/c (docs/api.md; Fanout's
// fanout.fpp.subscribe, which has no xmpp. prefix, keeps every part: POST /v1/fanout/fpp/subscribe).
// Session actions need a token and run on the session's owner; sessionless ones (account creation)
// carry their own connection target, checked against the allow-list, and run on any worker.
import type { FastifyInstance } from 'fastify';
import { isHostAllowed, type Config } from '../config.js';
import { errors } from '../errors.js';
import type { SessionManager } from '../session/manager.js';
import type { WorkerPool } from '../workers/pool.js';
import { ftwName, type Area } from '../xeps/area.js';
import { byId, declaredActions, type DeclaredAction } from '../xeps/index.js';
import { authenticate, sessionOf } from './auth.js';
import type { LoginLimits } from './login-limits.js';
import { routeSchema } from './route-schema.js';

export function actionPath(name: string): string {
  return `/v1/${name.split('.').join('/')}`;
}

// 422: an Idempotency-Key reused with another body (or an XML-RPC fault, declared by its area).
const COMMON_ERRORS = [400, 401, 410, 413, 422, 503, 504];
// 429: too many attempts from the client address or on the account (login-limits.ts).
const SESSIONLESS_ERRORS = [400, 403, 413, 429, 502, 503, 504];

export interface ActionRouteDeps {
  config: Config;
  manager: SessionManager;
  // Only sessionless actions reach the pool directly; session actions go through the manager.
  pool: Pick<WorkerPool, 'sessionless'>;
  /** The limits on guessing for sessionless actions (buildApp always passes them; some route tests leave them out). */
  limits?: LoginLimits;
}

function description({ area, name, spec }: DeclaredAction): string {
  return `${spec.description ?? ''}${spec.description ? '\n\n' : ''}${
    spec.beyondXmppFtw ? 'Beyond XMPP-FTW (a gateway addition).' : `XMPP-FTW event \`${ftwName(area, name)}\`.`
  } Spec: ${area.spec}.`;
}

const idempotencyHeader = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      maxLength: 256,
      description:
        'A retry with the same key returns the first answer (with `Idempotent-Replayed: true`) and sends nothing again; ' +
        'the same key with another action or body is 422',
    },
  },
};

export function actionRoutes(app: FastifyInstance, deps: ActionRouteDeps, areas: readonly Area[]): void {
  const { config, manager, pool, limits } = deps;
  // Sorted: the registry's order must not show in the OpenAPI document either.
  for (const declared of [...declaredActions(byId(areas)).values()]) {
    const { area, name, spec, sessionless } = declared;
    const path = actionPath(name);
    const schema = routeSchema({
      path,
      tag: area.tag,
      summary: spec.summary,
      description: description(declared),
      body: spec.body,
      success: {
        status: sessionless?.successStatus ?? 200,
        schema: spec.response,
        ...(sessionless?.successDescription !== undefined && { description: sessionless.successDescription }),
      },
      errors: [...(sessionless ? SESSIONLESS_ERRORS : COMMON_ERRORS), ...(spec.errorStatuses ?? [])],
      ...(sessionless && { security: false }),
    });
    if (sessionless) {
      app.post(path, {
        config: { messages: spec.messages ?? {} },
        schema,
        handler: async (request, reply) => {
          if (manager.isDraining) throw errors.draining();
          const target = sessionless.target(request.body);
          if (!isHostAllowed(config.allowedHosts, target.host, target.port)) {
            throw errors.hostNotAllowed(`Connecting to ${target.host}:${target.port} is not allowed by this gateway`);
          }
          const attempt = async () => {
            const data = await pool.sessionless(name, target, request.body, config.loginTimeoutMs + 1000);
            return reply.status(sessionless.successStatus ?? 200).send(data);
          };
          if (!limits) return attempt();
          // The account's bare JID when the body names one (XEP-0077 register does, validated by target()), else its domain.
          const jid = (request.body as { jid?: unknown } | undefined)?.jid; // a validated body: only the field's type is unknown here
          return limits.run(reply, 'register', request.ip, typeof jid === 'string' ? jid : target.domain, attempt);
        },
      });
      continue;
    }
    app.post(path, {
      onRequest: authenticate(manager),
      config: { messages: spec.messages ?? {} },
      schema: { ...schema, headers: idempotencyHeader },
      handler: async (request, reply) => {
        const key = request.headers['idempotency-key'];
        const { data, replayed } = await manager.action(
          sessionOf(request),
          name,
          request.body ?? {},
          typeof key === 'string' ? key : undefined,
        );
        if (replayed) reply.header('idempotent-replayed', 'true');
        return data;
      },
    });
  }
}

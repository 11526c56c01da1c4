// POST /v1/register (beyond XMPP-FTW): create an account by XEP-0077 §3.1 in-band registration,
// without a session. The same allow-list and connection code as login; the registration itself
// runs in a worker (this thread never sees XML). The password is never logged or echoed.
import type { FastifyInstance } from 'fastify';
import { isHostAllowed, type Config } from '../config.js';
import { errors } from '../errors.js';
import { redact } from '../session/manager.js';
import type { WorkerPool } from '../workers/pool.js';
import { parseJid } from '../xmpp/jid.js';
import { NewAccountBody, NewAccountResult } from '../xeps/xep0077-register/schema.js';
import { routeSchema } from './route-schema.js';

export interface RegisterRouteDeps {
  config: Config;
  pool: WorkerPool;
  isDraining(): boolean;
}

interface NewAccountInput {
  jid: string;
  password: string;
  host?: string;
  port?: number;
  fields?: Record<string, string>;
}

export function registerRoute(app: FastifyInstance, deps: RegisterRouteDeps): void {
  app.post('/v1/register', {
    schema: routeSchema({
      path: '/v1/register',
      tag: 'register',
      summary: 'Create an XMPP account by in-band registration (XEP-0077 §3.1), without a session; then log in with it',
      description:
        'Beyond XMPP-FTW (which could only pass its library’s register option through login). The gateway connects as for a login ' +
        '(same allow-list, STARTTLS when offered), registers before authenticating, and closes the stream. The server decides whether ' +
        'it accepts registrations (and whether over an unencrypted stream). 409 when the account exists; a 400 may carry the server’s `form` ' +
        'when it asks for more `fields`.',
      body: NewAccountBody,
      success: { status: 201, schema: NewAccountResult, description: 'The account exists now' },
      errors: [400, 403, 405, 406, 409, 413, 501, 502, 503, 504],
      security: false,
    }),
    handler: async (request, reply) => {
      if (deps.isDraining()) throw errors.draining();
      const input = request.body as NewAccountInput;
      const jid = parseJid(input.jid);
      if (!jid || jid.user === undefined || jid.resource !== undefined) {
        throw errors.clientError('Invalid JID: give user@domain', redact(input));
      }
      const host = input.host ?? jid.domain;
      const port = input.port ?? 5222;
      if (!isHostAllowed(deps.config.allowedHosts, host, port)) {
        throw errors.hostNotAllowed(`Connecting to ${host}:${port} is not allowed by this gateway`);
      }
      const created = await deps.pool.register(
        {
          host,
          port,
          domain: jid.domain,
          username: jid.user,
          password: input.password,
          ...(input.fields !== undefined && { fields: input.fields }),
        },
        deps.config.loginTimeoutMs + 1000,
      );
      return reply.status(201).send({ ok: true, ...created });
    },
  });
}

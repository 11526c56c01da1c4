// One POST route per action of every registered area: xmpp.a.b.c ↔ POST /v1/a/b/c (API.md §1).
import type { FastifyInstance } from 'fastify';
import type { SessionManager } from '../session/manager.js';
import type { XepModule } from '../xeps/types.js';
import { authenticate, sessionOf } from './auth.js';
import { routeSchema } from './route-schema.js';

export function actionPath(name: string): string {
  return `/v1/${name.split('.').join('/')}`;
}

const COMMON_ERRORS = [400, 401, 410, 413, 503, 504];

export function actionRoutes(app: FastifyInstance, manager: SessionManager, modules: readonly XepModule[]): void {
  for (const mod of modules) {
    for (const def of mod.actions ?? []) {
      const path = actionPath(def.name);
      app.post(path, {
        onRequest: authenticate(manager),
        config: { messages: def.messages ?? {} },
        schema: {
          ...routeSchema({
            path,
            tag: mod.tag,
            summary: def.summary,
            description: `${def.description ?? ''}${def.description ? '\n\n' : ''}${
              def.beyondXmppFtw ? 'Beyond XMPP-FTW (a gateway addition).' : `XMPP-FTW event \`xmpp.${def.name}\`.`
            } Spec: ${mod.spec}.`,
            body: def.body,
            success: { status: 200, schema: def.response },
            errors: [...COMMON_ERRORS, ...(def.errorStatuses ?? [])],
          }),
          headers: {
            type: 'object',
            properties: {
              'idempotency-key': {
                type: 'string',
                maxLength: 256,
                description: 'A retry with the same key returns the first answer and sends nothing again',
              },
            },
          },
        },
        handler: async (request) => {
          const key = request.headers['idempotency-key'];
          return manager.action(sessionOf(request), def.name, request.body ?? {}, typeof key === 'string' ? key : undefined);
        },
      });
    }
  }
}

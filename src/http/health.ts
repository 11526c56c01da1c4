// Liveness (/healthz: the process answers) and readiness (/readyz: workers up, Redis reachable in
// multi-node mode, not draining; a load balancer polls it).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export interface HealthDeps {
  ready(): boolean;
}

const Status = Type.Object({ status: Type.String() });

export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], operationId: 'healthz', summary: 'The process is alive', response: { 200: Status } } },
    async () => ({
      status: 'ok',
    }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'readyz',
        summary: 'Ready to take sessions: XMPP workers up, not draining',
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => (deps.ready() ? { status: 'ready' } : reply.status(503).send({ status: 'unavailable' })),
  );
}

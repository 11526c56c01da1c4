// Liveness (/healthz: the process answers) and readiness (/readyz: workers up, Redis reachable in
// multi-node mode, not draining; a load balancer polls it).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from './route-schema.js';

export interface HealthDeps {
  ready(): boolean;
}

const Status = Type.Object({ status: Type.String() });
/** What any GET route can answer before it runs: a malformed URL (src/http/errors.ts, frameworkErrors). */
export const PUBLIC_GET_ERRORS = () => errorResponses([400]);

export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'healthz',
        summary: 'The process is alive',
        description: 'Liveness: answers as long as the process runs, whatever its workers or Redis do. No token.',
        security: [],
        response: { 200: { ...Status, description: '`{ status: "ok" }`' }, ...PUBLIC_GET_ERRORS() },
      },
    },
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
        description:
          'Readiness, for a load balancer: 200 while the XMPP workers are up, Redis is reachable (multi-node mode) and the node is not ' +
          'draining; 503 otherwise. No token.',
        security: [],
        response: {
          200: { ...Status, description: '`{ status: "ready" }`' },
          ...PUBLIC_GET_ERRORS(),
          503: { ...Status, description: '`{ status: "unavailable" }`: not ready (starting, draining, or Redis unreachable)' },
        },
      },
    },
    async (_request, reply) => (deps.ready() ? { status: 'ready' } : reply.status(503).send({ status: 'unavailable' })),
  );
}

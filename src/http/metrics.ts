// Prometheus metrics (docs/api.md §9): sessions, streams, actions by route and status with latencies,
// events, worker load. One registry per app, so several apps in one process do not collide.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionManager } from '../session/manager.js';
import type { WorkerPool } from '../workers/pool.js';

export interface Metrics {
  registry: Registry;
  event(name: string): void;
  login(result: 'ok' | 'error'): void;
}

export function createMetrics(deps: { manager: () => SessionManager; pool: WorkerPool }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
  new Gauge({
    name: 'gateway_sessions',
    help: 'Sessions whose XMPP connection lives on this node',
    registers: [registry],
    collect() {
      this.set(deps.manager().ownedCount);
    },
  });
  new Gauge({
    name: 'gateway_event_streams',
    help: 'Open SSE streams on this node',
    registers: [registry],
    collect() {
      this.set(deps.manager().streamCount);
    },
  });
  new Gauge({
    name: 'gateway_worker_sessions',
    help: 'Sessions per XMPP worker thread',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      for (const w of deps.pool.stats()) this.set({ worker: String(w.index) }, w.sessions);
    },
  });
  const events = new Counter({
    name: 'gateway_xmpp_events_total',
    help: 'Events from the XMPP side (worker threads), by name',
    labelNames: ['event'],
    registers: [registry],
  });
  const logins = new Counter({
    name: 'gateway_logins_total',
    help: 'Login attempts by result',
    labelNames: ['result'],
    registers: [registry],
  });
  return {
    registry,
    event: (name) => events.inc({ event: name }),
    login: (result) => logins.inc({ result }),
  };
}

export function metricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'method', 'status'],
    registers: [metrics.registry],
  });
  const latency = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route (event streams excluded)',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    if (route === '/metrics') return;
    requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    latency.observe({ route, method: request.method }, reply.elapsedTime / 1000);
  });
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        operationId: 'metrics',
        summary: 'Prometheus metrics of this node',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}

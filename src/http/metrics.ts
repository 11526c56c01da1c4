// Prometheus metrics (GET /metrics): the stock process_* and nodejs_* metrics (unprefixed, so stock
// Node.js dashboards match), and the gateway's own gateway_*: sessions, streams, requests by route and
// status with latencies, logins, XMPP events and disconnects, slow-stream cutoffs, gaps, worker
// event-loop lag, Redis. One registry per app, so several apps in one process do not collide.
// docs/ops/ has a Prometheus scrape example and a Grafana dashboard built on these names.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PushOutcome } from '../push/push.js';
import type { SessionManager } from '../session/manager.js';
import type { WebhookBacklog } from '../webhooks/webhooks.js';
import type { WorkerPool } from '../workers/pool.js';
import { errorResponses } from './route-schema.js';

export type LoginResult = 'ok' | 'error' | 'refused';
/** Why a session's XMPP connection ended on this node; a bounded set, so one series each. */
export type DisconnectReason = 'logout' | 'idle' | 'lifetime' | 'shutdown' | 'dropped' | 'fenced';

/** What the session manager and the event streams report (observer hooks). */
export interface Metrics {
  registry: Registry;
  event(name: string): void;
  login(result: LoginResult): void;
  disconnect(reason: string): void;
  slowCutoff(): void;
  gap(): void;
  /** A webhook POST answered 2xx, a retry of one, or a delivery given up after WEBHOOK_ATTEMPTS. */
  webhook(outcome: 'delivered' | 'retry' | 'failed'): void;
  /** A push the push service accepted, or one that failed and why (src/push/push.ts). */
  push(outcome: PushOutcome): void;
}

export interface MetricsDeps {
  manager: () => SessionManager;
  /** What this node's webhooks wait to deliver (absent: no webhook gauges). */
  webhooks?: () => WebhookBacklog;
  pool: WorkerPool;
  version: string;
  /** Present in multi-node mode. */
  redis?: { ready(): boolean; ping(): Promise<number> };
}

const REASONS: readonly string[] = ['logout', 'idle', 'lifetime', 'shutdown', 'dropped', 'fenced'] satisfies DisconnectReason[];

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters: promtool check metrics flags them, and PromQL's rate() on them is wrong.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  new Gauge({
    name: 'gateway_build_info',
    help: 'Always 1; the labels say which gateway and Node.js versions run',
    labelNames: ['version', 'nodejs'],
    registers,
  }).set({ version: deps.version, nodejs: process.version }, 1);
  new Gauge({
    name: 'gateway_sessions',
    help: 'Sessions whose XMPP connection lives on this node',
    registers,
    collect() {
      this.set(deps.manager().ownedCount);
    },
  });
  new Gauge({
    name: 'gateway_event_streams',
    help: 'Open SSE streams on this node',
    registers,
    collect() {
      this.set(deps.manager().streamCount);
    },
  });
  new Gauge({
    name: 'gateway_worker_sessions',
    help: 'Sessions per XMPP worker thread',
    labelNames: ['worker'],
    registers,
    collect() {
      for (const w of deps.pool.stats()) this.set({ worker: String(w.index) }, w.sessions);
    },
  });
  new Gauge({
    name: 'gateway_worker_event_loop_lag_seconds',
    help: 'Round trip of a no-op message through each XMPP worker thread, measured at scrape time: its event-loop lag (plus microseconds of messaging)',
    labelNames: ['worker'],
    registers,
    async collect() {
      this.reset();
      for (const w of await deps.pool.roundTrips()) this.set({ worker: String(w.index) }, w.seconds);
    },
  });
  const events = new Counter({
    name: 'gateway_xmpp_events_total',
    help: 'Events from the XMPP side (worker threads), by name',
    labelNames: ['event'],
    registers,
  });
  const logins = new Counter({
    name: 'gateway_logins_total',
    help: 'Login attempts by result: ok, error (XMPP refused or unreachable), refused (host not in XMPP_ALLOWED_HOSTS)',
    labelNames: ['result'],
    registers,
  });
  const disconnects = new Counter({
    name: 'gateway_xmpp_disconnects_total',
    help: 'XMPP connections of this node that ended, by reason: logout, idle, lifetime (SESSION_MAX_LIFETIME_S), shutdown (drain), dropped (server, network or worker), fenced (lease lost)',
    labelNames: ['reason'],
    registers,
  });
  const cutoffs = new Counter({
    name: 'gateway_sse_slow_cutoffs_total',
    help: 'Event streams closed because the client read too slowly (SSE_MAX_BACKLOG_BYTES); they resume from their cursor',
    registers,
  });
  const gaps = new Counter({
    name: 'gateway_sse_gaps_total',
    help: 'xmpp.gateway.gap events sent: a stream resumed from a cursor older than the buffer, or events could not be logged',
    registers,
  });
  const webhookDeliveries = new Counter({
    name: 'gateway_webhook_deliveries_total',
    help: 'Webhook deliveries (POSTs of one batch of events) the receiver acknowledged with a 2xx',
    registers,
  });
  const webhookRetries = new Counter({
    name: 'gateway_webhook_retries_total',
    help: 'Webhook delivery attempts after a failed one (error status, no answer within WEBHOOK_TIMEOUT_MS, connection refused)',
    registers,
  });
  const webhookFailures = new Counter({
    name: 'gateway_webhook_failures_total',
    help: 'Webhook deliveries given up after WEBHOOK_ATTEMPTS attempts (the webhook is failing and tries again later)',
    registers,
  });
  if (deps.webhooks) {
    const backlog = deps.webhooks;
    // Per session, but without a session label (one series per session would be unbounded, and a sid
    // is a secret-ish handle): the total and the largest. POST /v1/webhooks/list shows each webhook's own.
    new Gauge({
      name: 'gateway_webhooks_delivering',
      help: 'Webhooks this node delivers now (holds the delivery lease of)',
      registers,
      collect() {
        this.set(backlog().delivering);
      },
    });
    new Gauge({
      name: 'gateway_webhook_queue_events',
      help: 'Events logged and not yet acknowledged by the webhooks this node delivers, summed over them',
      registers,
      collect() {
        this.set(backlog().bySession.reduce((a, b) => a + b, 0));
      },
    });
    new Gauge({
      name: 'gateway_webhook_queue_events_max',
      help: 'The longest webhook queue of one session delivered here: its unacknowledged events, summed over its webhooks',
      registers,
      collect() {
        this.set(backlog().bySession.reduce((a, b) => Math.max(a, b), 0));
      },
    });
  }
  const pushDeliveries = new Counter({
    name: 'gateway_push_deliveries_total',
    help: 'Web Push messages the push service accepted (2xx)',
    registers,
  });
  const pushFailures = new Counter({
    name: 'gateway_push_failures_total',
    help: 'Web Push messages not delivered, by reason: gone (404/410: the subscription expired and is removed), rejected (another 4xx), unreachable (PUSH_ATTEMPTS used up on 429, 5xx, timeouts or connection errors)',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of ['gone', 'rejected', 'unreachable']) pushFailures.inc({ reason }, 0);
  for (const reason of REASONS) disconnects.inc({ reason }, 0);
  for (const result of ['ok', 'error', 'refused']) logins.inc({ result }, 0);
  if (deps.redis) {
    const redis = deps.redis;
    // One PING per scrape for both gauges: their collects start together and share it.
    let inflight: Promise<number | undefined> | undefined;
    const sample = () =>
      (inflight ??= (redis.ready() ? withTimeout(redis.ping(), 1000).catch(() => undefined) : Promise.resolve(undefined)).finally(
        () => (inflight = undefined),
      ));
    new Gauge({
      name: 'gateway_redis_up',
      help: '1 when both Redis connections are ready and PING answers (multi-node mode)',
      registers,
      async collect() {
        this.set((await sample()) === undefined ? 0 : 1);
      },
    });
    new Gauge({
      name: 'gateway_redis_ping_seconds',
      help: 'Time a Redis PING took, measured at scrape time (NaN while Redis does not answer)',
      registers,
      async collect() {
        this.set((await sample()) ?? NaN);
      },
    });
  }
  return {
    registry,
    event: (name) => events.inc({ event: name }),
    login: (result) => logins.inc({ result }),
    disconnect: (reason) => disconnects.inc({ reason: REASONS.includes(reason) ? reason : 'dropped' }),
    slowCutoff: () => cutoffs.inc(),
    gap: () => gaps.inc(),
    push: (outcome) => (outcome === 'delivered' ? pushDeliveries.inc() : pushFailures.inc({ reason: outcome })),
    webhook: (outcome) => (outcome === 'delivered' ? webhookDeliveries : outcome === 'retry' ? webhookRetries : webhookFailures).inc(),
  };
}

/** A scrape must not hang on a Redis that stopped answering (ioredis queues commands meanwhile). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Event streams last as long as the client stays: their duration is no latency. */
const STREAM_ROUTE = '/v1/events';

export function metricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route, method and status (event streams included, counted when they end)',
    labelNames: ['route', 'method', 'status'],
    registers: [metrics.registry],
  });
  const latency = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route (event streams, GET /v1/events, are left out: they last as long as the client stays)',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    if (route === '/metrics' || route === STREAM_ROUTE) return;
    requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    latency.observe({ route, method: request.method }, reply.elapsedTime / 1000);
  });
  // A stream's reply is hijacked (no onResponse): count it when its connection closes, errors included.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== STREAM_ROUTE) return;
    reply.raw.once('close', () => requests.inc({ route: STREAM_ROUTE, method: request.method, status: String(reply.raw.statusCode) }));
  });
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        operationId: 'metrics',
        summary: 'Prometheus metrics of this node',
        description: 'The process_*, nodejs_* and gateway_* metrics of this node, for a Prometheus scrape (docs/ops/). No token.',
        security: [],
        response: {
          200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errorResponses([400]),
        },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}

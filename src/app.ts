// buildApp(deps): the whole gateway as a fastify instance, without listen(), so tests use inject()
// or listen on a free port themselves. The only place (with the worker entry) that assembles parts.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { PubSub } from './cluster/pubsub.js';
import { createRedis, type RedisClient } from './cluster/redis.js';
import { RedisBus, RedisOwnership } from './cluster/redis-cluster.js';
import { RedisEventLog } from './cluster/redis-log.js';
import { RedisSessionStore } from './cluster/redis-store.js';
import { LocalBus, LocalOwnership, type NodeBus, type Ownership } from './cluster/types.js';
import type { Config } from './config.js';
import { type EventLog, MemoryEventLog } from './events/log.js';
import { actionRoutes } from './http/action-routes.js';
import { registerCors } from './http/cors.js';
import { demoRoutes } from './http/demo.js';
import { registerErrorHandling } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { createMetrics, metricsRoutes } from './http/metrics.js';
import { GATEWAY_EVENTS, registerOpenApi } from './http/openapi.js';
import { registerRequestId, requestIdMixin, requestIdOf } from './http/request-id.js';
import { sessionRoutes } from './http/session-routes.js';
import { sseRoutes } from './http/sse.js';
import { ajvOptions, checkXmlCharacters } from './http/validation.js';
import { SessionManager } from './session/manager.js';
import { MemorySessionStore, type SessionStore } from './session/store.js';
import { WorkerPool } from './workers/pool.js';
import { GATEWAY_CAPS_NODE } from './xmpp/caps.js';
import { byId, registry } from './xeps/index.js';

export interface AppDeps {
  config: Config;
  store?: SessionStore;
  log?: EventLog;
  /** Pino options or false; tests pass false. */
  logger?: boolean | Record<string, unknown>;
}

interface RedisSeams {
  store: SessionStore;
  log: EventLog;
  ownership: Ownership;
  bus: NodeBus;
  ready(): boolean;
  /** Seconds a PING takes (metrics). */
  ping(): Promise<number>;
  close(): Promise<void>;
}

async function redisSeams(config: Config, logger: FastifyBaseLogger): Promise<RedisSeams> {
  const redis = createRedis(config.redisUrl);
  const sub = createRedis(config.redisUrl);
  for (const [name, client] of [
    ['commands', redis],
    ['subscriber', sub],
  ] as const) {
    client.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, `redis ${name} connection`));
  }
  await Promise.all([waitReady(redis), waitReady(sub)]);
  const nodeId = config.nodeId || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const pubsub = new PubSub(sub);
  const bus = new RedisBus(redis, pubsub, nodeId);
  await bus.ready;
  return {
    store: new RedisSessionStore(redis),
    log: new RedisEventLog(redis, pubsub, { maxEvents: config.eventBufferSize, maxAgeMs: config.eventBufferAgeS * 1000 }),
    ownership: new RedisOwnership(redis, nodeId, { leaseMs: config.leaseMs, renewMs: Math.max(250, Math.floor(config.leaseMs / 3)) }),
    bus,
    ready: () => redis.status === 'ready' && sub.status === 'ready',
    ping: async () => {
      const start = performance.now();
      await redis.ping();
      return (performance.now() - start) / 1000;
    },
    close: async () => {
      await Promise.all([redis.quit().catch(() => redis.disconnect()), sub.quit().catch(() => sub.disconnect())]);
    },
  };
}

function waitReady(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis did not become ready in 10 s')), 10000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface Gateway {
  manager: SessionManager;
  pool: WorkerPool;
  store: SessionStore;
  log: EventLog;
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: Gateway;
  }
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

// Redact every secret that could reach a log line (docs/api.md §2).
const REDACT = ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.ticket'];

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger:
      deps.logger === false
        ? false
        : {
            level: config.logLevel,
            redact: REDACT,
            mixin: requestIdMixin,
            // Never log query strings: a stream ticket travels there.
            serializers: {
              req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.split('?')[0], id: req.id }),
            },
            ...(typeof deps.logger === 'object' ? deps.logger : {}),
          },
    bodyLimit: config.bodyLimitBytes,
    ajv: ajvOptions,
    requestIdHeader: false,
    genReqId: requestIdOf,
    return503OnClosing: true,
  });

  // curl -d sends form encoding and fetch without headers sends text/plain: the body is JSON whatever the label.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded', 'text/plain'],
    { parseAs: 'string' },
    (_req, body: string, done) => {
      if (body.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body));
      } catch {
        const err = Object.assign(new Error('Request body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
        done(err, undefined);
      }
    },
  );
  // Payload-less actions accept an empty body as well as {} (docs/api.md §1).
  app.addHook('preValidation', async (request) => {
    if (request.method !== 'POST') return;
    if (request.body === undefined) request.body = {};
    checkXmlCharacters(request.body);
  });

  registerRequestId(app);
  registerErrorHandling(app);
  await registerCors(app, config.corsOrigins);
  await registerOpenApi(app, registry, pkg.version);

  const cluster = config.redisUrl ? await redisSeams(config, app.log) : undefined;
  const store = deps.store ?? cluster?.store ?? new MemorySessionStore();
  const log =
    deps.log ?? cluster?.log ?? new MemoryEventLog({ maxEvents: config.eventBufferSize, maxAgeMs: config.eventBufferAgeS * 1000 });
  const pool = new WorkerPool(
    {
      size: config.workers,
      requestTimeoutMs: config.iqTimeoutMs + 5000,
      settings: {
        iqTimeoutMs: config.iqTimeoutMs,
        answerTimeoutMs: config.answerTimeoutMs,
        connectTimeoutMs: config.loginTimeoutMs,
        tlsVerify: config.tlsVerify,
        caps: { node: GATEWAY_CAPS_NODE },
        limits: {
          mamMaxResults: config.mamMaxResults,
          unknownStanzaMaxBytes: config.unknownStanzaMaxBytes,
          unknownStanzasPerMinute: config.unknownStanzasPerMinute,
        },
      },
    },
    {
      // The manager is created just below; the pool only calls these once sessions exist.
      onEvent: (sid, name, data) => manager.onEvent(sid, name, data),
      onClosed: (sid, reason) => void manager.onClosed(sid, reason),
    },
  );
  const metrics = createMetrics({ manager: () => manager, pool, version: pkg.version, ...(cluster && { redis: cluster }) });
  const manager = new SessionManager({
    observe: metrics,
    config,
    pool,
    store,
    log,
    ownership: cluster?.ownership ?? new LocalOwnership(),
    bus: cluster?.bus ?? new LocalBus(),
    logger: app.log,
  });
  app.decorate('gateway', { manager, pool, store, log });

  // Drain (docs/api.md §8): stop taking logins, end this node's sessions cleanly (their streams get the
  // final events), then the server closes; workers and Redis go last.
  const sweeper = setInterval(
    () => void manager.sweep().catch((err) => app.log.error({ err }, 'sweep failed')),
    Math.min(5000, config.idleTimeoutS * 250),
  );
  sweeper.unref();
  app.addHook('preClose', async () => {
    clearInterval(sweeper);
    await manager.shutdown(config.drainTimeoutS * 500);
  });
  metricsRoutes(app, metrics);
  if (config.demoPage) demoRoutes(app);
  sessionRoutes(app, manager);
  actionRoutes(app, { config, manager, pool }, registry);
  sseRoutes(app, { config, manager, log, observe: metrics }, [
    ...GATEWAY_EVENTS.map((e) => e.name),
    ...byId(registry).flatMap((a) => Object.keys(a.api.events ?? {})),
  ]);
  healthRoutes(app, { ready: () => pool.isReady() && !manager.isDraining && (cluster?.ready() ?? true) });

  app.addHook('onClose', async () => {
    await pool.stop();
    await cluster?.close();
  });
  await pool.ready();
  return app;
}

// buildApp(deps): the whole gateway as a fastify instance, without listen(), so tests use inject()
// or listen on a free port themselves. The only place (with the worker entry) that assembles parts.
import Fastify, { type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { actionRoutes } from './http/action-routes.js';
import { registerCors } from './http/cors.js';
import { demoRoutes } from './http/demo.js';
import { registerErrorHandling, sendFrameworkError } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { LoginLimits } from './http/login-limits.js';
import { createMetrics, metricsRoutes } from './http/metrics.js';
import { GATEWAY_EVENTS, registerOpenApi } from './http/openapi.js';
import { pushRoutes } from './http/push.js';
import { registerRequestId, requestIdOf } from './http/request-id.js';
import { lazyChildLogger, RequestLineController } from './http/request-logger.js';
import { sessionRoutes } from './http/session-routes.js';
import { sseRoutes } from './http/sse.js';
import { uploadRoutes } from './http/upload.js';
import { webhookRoutes } from './http/webhooks.js';
import { lazyCompilers } from './http/lazy-compilers.js';
import { ajvOptions, checkXmlCharacters, jsonTooDeep } from './http/validation.js';
import { SessionManager } from './session/manager.js';
import { createState, type State } from './state/index.js';
import type { EventLog } from './state/event-log.js';
import type { SessionStore } from './state/session-store.js';
import { hasTakeoverLeases } from './state/ownership.js';
import { Push } from './push/push.js';
import { Webhooks } from './webhooks/webhooks.js';
import { WorkerPool } from './workers/pool.js';
import { GATEWAY_CAPS_NODE } from './xmpp/caps.js';
import { byId, registry } from './xeps/index.js';

export interface AppDeps {
  config: Config;
  /** Shared state chosen by the caller (tests); otherwise createState() chooses from the configuration. */
  state?: State;
  /** Pino options or false; tests pass false. */
  logger?: boolean | Record<string, unknown>;
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

/**
 * The HTTP side without routes or parts behind it: body parsing, request ids, the error shape,
 * CORS, OpenAPI. buildApp() adds the rest; the session layer's route tests add their routes over a
 * fake pool.
 */
export async function createHttp(deps: Pick<AppDeps, 'config' | 'logger'>): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger:
      deps.logger === false
        ? false
        : {
            level: config.logLevel,
            redact: REDACT,
            // Never log query strings: a stream ticket travels there.
            serializers: {
              req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.split('?')[0], id: req.id }),
            },
            ...(typeof deps.logger === 'object' ? deps.logger : {}),
          },
    // fastify's two lines per request are debug lines (src/http/request-logger.ts).
    logController: new RequestLineController(config.logLevel === 'debug' || config.logLevel === 'trace'),
    // request.log is made at its first line, not for every request (src/http/request-logger.ts).
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.bodyLimitBytes,
    ajv: ajvOptions,
    // Each route's validator and serialiser compiled on first use, not at start-up (src/http/lazy-compilers.ts).
    schemaController: { compilersFactory: lazyCompilers },
    requestIdHeader: false,
    genReqId: requestIdOf,
    return503OnClosing: true,
    // Errors fastify raises before routing (a malformed URL, a bad Content-Type header) in the gateway's shape too.
    frameworkErrors: (error, request, reply) => sendFrameworkError(error, request, reply),
    // request.ip is the client address of the login limits: X-Forwarded-For only when told to trust it.
    trustProxy: config.trustProxy,
  });

  // curl -d sends form encoding and fetch without headers sends text/plain: the body is JSON whatever the label.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded', 'text/plain'],
    { parseAs: 'string' },
    (_req, body: string, done) => {
      if (body.trim() === '') return done(null, undefined);
      if (jsonTooDeep(body)) {
        const err = Object.assign(new Error('Request body is nested too deeply'), { statusCode: 400, code: 'GW_BODY_TOO_DEEP' });
        return done(err, undefined);
      }
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
  return app;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = await createHttp(deps);
  let state: State;
  try {
    state = deps.state ?? (await createState(config, app.log));
  } catch (err) {
    await app.close();
    throw err;
  }
  const { store, log } = state;
  // Takeovers (src/session/takeover.ts): SESSION_KEY, with Redis (whose ownership implements them).
  const leases = config.sessionKey !== '' && config.redisUrl !== '' && hasTakeoverLeases(state.ownership) ? state.ownership : undefined;
  const takeover = leases !== undefined;
  const pool = new WorkerPool(
    {
      size: config.workers,
      requestTimeoutMs: config.iqTimeoutMs + 5000,
      settings: {
        iqTimeoutMs: config.iqTimeoutMs,
        answerTimeoutMs: config.answerTimeoutMs,
        connectTimeoutMs: config.loginTimeoutMs,
        tlsVerify: config.tlsVerify,
        allowPlain: config.allowPlain,
        caps: { node: GATEWAY_CAPS_NODE },
        ...(takeover && { takeoverKey: config.sessionKey }),
        resume: {
          deadlineMs: config.resumeDeadlineMs,
          actionWaitMs: config.resumeActionWaitMs,
          maxQueuedActions: config.resumeMaxQueuedActions,
          maxUnacked: config.smMaxUnacked,
          maxUnackedBytes: config.smMaxUnackedBytes,
        },
        limits: {
          mamMaxResults: config.mamMaxResults,
          unknownStanzaMaxBytes: config.unknownStanzaMaxBytes,
          unknownStanzasPerMinute: config.unknownStanzasPerMinute,
          superfeedrJid: config.superfeedrJid,
          fanoutJid: config.fanoutJid,
          avatarMaxBytes: config.avatarMaxBytes,
        },
      },
    },
    {
      // The manager is created just below; the pool only calls these once sessions exist.
      onEvent: (sid, name, data, handled) => manager.onEvent(sid, name, data, handled),
      onClosed: (sid, reason) => void manager.onClosed(sid, reason),
      onTakeover: (sid, blob) => manager.onTakeover(sid, blob),
      onAck: (sid: string, h: number): Promise<void> => manager.onAck(sid, h),
    },
  );
  const redis = state.ping ? { ready: () => state.ready(), ping: () => state.ping!() } : undefined;
  const metrics = createMetrics({
    manager: () => manager,
    webhooks: () => webhooks.backlog(),
    pool,
    version: pkg.version,
    ...(redis && { redis }),
  });
  const manager = new SessionManager({
    observe: metrics,
    config,
    pool,
    store,
    log,
    ownership: state.ownership,
    bus: state.bus,
    ...(leases && { takeover: leases }),
    logger: app.log,
  });
  app.decorate('gateway', { manager, pool, store, log });

  manager.startSweeping(Math.min(5000, config.idleTimeoutS * 250));
  // Drain (docs/api.md §8): stop taking logins, end this node's sessions cleanly (their streams get the
  // final events), then the server closes; workers and Redis go last.
  app.addHook('preClose', async () => {
    await manager.shutdown(config.drainTimeoutS * 500);
  });
  metricsRoutes(app, metrics);
  if (config.demoPage) demoRoutes(app);
  const limits = new LoginLimits(state.rateLimits, config);
  sessionRoutes(app, manager, limits);
  actionRoutes(app, { config, manager, pool, limits }, registry);
  uploadRoutes(app, config, manager);
  const eventNames = [...GATEWAY_EVENTS.map((e) => e.name), ...byId(registry).flatMap((a) => Object.keys(a.api.events ?? {}))];
  sseRoutes(app, { config, manager, log, observe: metrics }, eventNames);
  const webhooks = new Webhooks({
    config,
    log,
    store,
    webhooks: state.webhooks,
    ownership: state.ownership,
    logger: app.log,
    observe: metrics,
  });
  webhookRoutes(app, { config, manager, webhooks }, eventNames);
  manager.attendedBy((sid) => webhooks.attends(sid));
  const push = new Push({ config, log, store, hasStream: (sid) => manager.hasStream(sid), logger: app.log, observe: metrics });
  pushRoutes(app, { config, manager, push }, eventNames);
  healthRoutes(app, { ready: () => pool.isReady() && !manager.isDraining && state.ready() });

  app.addHook('onClose', async () => {
    await webhooks.stop();
    push.stop();
    await pool.stop();
    await state.close();
  });
  await pool.ready();
  await webhooks.start();
  return app;
}

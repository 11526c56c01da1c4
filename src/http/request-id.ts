// x-request-id: the client's (or the proxy's) id when it is a plausible one, else a new UUID. It is
// echoed on every response, event streams included, and carried by every log line written while the
// request is handled: request.log lines have it from fastify, and lines of the app's own logger (the
// session manager's "session online", …) get it from an AsyncLocalStorage read by a pino mixin.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

const current = new AsyncLocalStorage<string>();
/** Loggers whose lines lack fastify's per-request reqId binding (the app's root logger). */
const rootLoggers = new WeakSet<object>();
// Anything else (spaces, quotes, control characters, a kilobyte of text) could forge log lines or
// bloat them: such an id is replaced, not trusted.
const PLAUSIBLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** fastify's genReqId. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && PLAUSIBLE.test(given) ? given : randomUUID();
}

/** pino's mixin (called with the logger that writes the line). */
export function requestIdMixin(_merge: object, _level: number, logger: object): { reqId?: string } {
  const id = current.getStore();
  return id !== undefined && rootLoggers.has(logger) ? { reqId: id } : {};
}

export function registerRequestId(app: FastifyInstance): void {
  rootLoggers.add(app.log);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    current.run(request.id, done);
  });
  // Body parsing runs in the socket's callbacks, outside that context: enter it again for the handler.
  app.addHook('preHandler', (request, _reply, done) => current.run(request.id, done));
}

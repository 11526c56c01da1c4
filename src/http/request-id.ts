// x-request-id: the client's (or the proxy's) id when it is a plausible one, else a new UUID. It is
// echoed on every response, event streams included, and carried by the log lines of the request:
// request.log lines have it from fastify, and the session layer writes its login and logout lines
// with the request's logger (the routes pass request.log). No AsyncLocalStorage: it enabled promise
// hooks for every promise of the HTTP thread, ~8 % of the gateway's CPU per chat message sent
// (bench/README.md), to tag the few lines the session layer writes.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

// Anything else (spaces, quotes, control characters, a kilobyte of text) could forge log lines or
// bloat them: such an id is replaced, not trusted.
const PLAUSIBLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** fastify's genReqId. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && PLAUSIBLE.test(given) ? given : randomUUID();
}

export function registerRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}

// Every error leaves the gateway in the one JSON shape ({ type, condition, description?, … }), on
// every route. Failures of shared state arrive here as GatewayErrors already (src/state/redis.ts).
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { type ErrorBody, GatewayError, isGatewayErrorLike } from '../errors.js';
import { redact } from '../redact.js';
import type { MessageOverride } from '../xeps/area.js';
import { describeValidation } from './validation.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    messages?: Record<string, MessageOverride>;
    validationType?: string;
  }
}

export interface RouteConfigWithMessages {
  messages?: Record<string, MessageOverride>;
  /** The validation error type of this route when not `modify` (login uses `auth`). */
  validationType?: string;
}

/** Seconds a client should wait before retrying a 503 of type `wait` (a passing condition of this gateway). */
export const RETRY_AFTER_S = 1;

/**
 * A GatewayError as its response. XMPP's error type `wait` means "retry after waiting" (RFC 6120
 * §8.3.2): on a 503 it becomes Retry-After, so HTTP clients and SDKs retry by themselves. A remote
 * entity's `cancel`/service-unavailable is final and gets none.
 */
export function sendGatewayError(reply: FastifyReply, error: { status: number; body: ErrorBody }): FastifyReply {
  if (error.status === 503 && error.body.type === 'wait') reply.header('retry-after', String(RETRY_AFTER_S));
  return reply.status(error.status).send(error.body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const config = (request.routeOptions.config ?? {}) as RouteConfigWithMessages;
      const { description, type } = describeValidation(error.validation, config.messages);
      const body = request.body === undefined ? {} : redact(request.body);
      return reply
        .status(400)
        .send({ type: type ?? config.validationType ?? 'modify', condition: 'client-error', description, request: body });
    }
    if (isGatewayErrorLike(error)) {
      return sendGatewayError(reply, error);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send({ type: 'modify', condition: 'client-error', description: 'Request body is too large' });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send({ type: 'modify', condition: 'client-error', description: 'Send the body as application/json' });
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send({ type: 'modify', condition: 'client-error', description: 'Request body is not valid JSON' });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ type: 'modify', condition: 'client-error', description: error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    const internal = new GatewayError(500, { type: 'cancel', condition: 'internal-server-error', description: 'Internal gateway error' });
    return reply.status(500).send(internal.body);
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send({ type: 'cancel', condition: 'item-not-found', description: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
}

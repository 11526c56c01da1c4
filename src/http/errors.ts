// Every error leaves the gateway in the one JSON shape of docs/api.md §5, on every route.
import type { FastifyError, FastifyInstance } from 'fastify';
import { isRedisUnavailable } from '../cluster/redis.js';
import { GatewayError, isGatewayErrorLike } from '../errors.js';
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
      return reply.status(error.status).send(error.body);
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
    if (isRedisUnavailable(error)) {
      request.log.warn({ err: { message: error.message } }, 'redis unavailable');
      return reply
        .status(503)
        .send({ type: 'wait', condition: 'service-unavailable', description: 'Shared state (Redis) is unreachable; retry shortly' });
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

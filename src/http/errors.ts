// Every error leaves the gateway in the one JSON shape ({ type, condition, description?, … }), on
// every route. Failures of shared state arrive here as GatewayErrors already (src/state/redis.ts).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import { type ErrorBody, errors, isGatewayErrorLike } from '../errors.js';
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
export function sendGatewayError(reply: FastifyReply, error: { status: number; body: ErrorBody; retryAfterS?: number }): FastifyReply {
  if (error.retryAfterS !== undefined) reply.header('retry-after', String(error.retryAfterS));
  else if (error.status === 503 && error.body.type === 'wait') reply.header('retry-after', String(RETRY_AFTER_S));
  return reply.status(error.status).send(error.body);
}

/** Fixed descriptions for fastify's own client errors: its exception texts never reach a client. */
const FRAMEWORK_ERRORS: Record<string, { status: number; description: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, description: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, description: 'Send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, description: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, description: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, description: 'Request body is not valid JSON' },
  GW_BODY_TOO_DEEP: { status: 400, description: 'Request body is nested too deeply' },
  FST_ERR_BAD_URL: { status: 400, description: 'Malformed URL' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, description: 'Bad request' },
};

/** A framework error as the gateway's error: 413s are payloadTooLarge, the rest client errors. */
function frameworkError(status: number, description: string): { status: number; body: ErrorBody } {
  return status === 413 ? errors.payloadTooLarge(description) : { status, body: errors.clientError(description).body };
}

/** fastify's `frameworkErrors` hook: errors raised before a route runs, in the gateway's shape. */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = FRAMEWORK_ERRORS[error.code];
  request.log.warn({ code: error.code }, 'bad request');
  return sendGatewayError(reply, frameworkError(known?.status ?? 400, known?.description ?? 'Bad request'));
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation) {
    // Every route that declares messages sets them through RouteConfigWithMessages (action and session routes).
    const config = (request.routeOptions.config ?? {}) as RouteConfigWithMessages;
    const { description, type } = describeValidation(error.validation, config.messages);
    const body = request.body === undefined ? {} : redact(request.body);
    return sendGatewayError(reply, errors.clientError(description, body, type ?? config.validationType ?? 'modify'));
  }
  if (isGatewayErrorLike(error)) {
    return sendGatewayError(reply, error);
  }
  const known = FRAMEWORK_ERRORS[error.code];
  if (known) {
    // One short line, never a stack: a flood of bad bodies must not flood the log.
    request.log.warn({ code: error.code }, known.description);
    return sendGatewayError(reply, frameworkError(known.status, known.description));
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    request.log.warn({ code: error.code, status: error.statusCode }, 'client error');
    return sendGatewayError(reply, frameworkError(error.statusCode, STATUS_CODES[error.statusCode] ?? 'Bad request'));
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendGatewayError(reply, errors.internal());
}

/** Bodies are drained up to this multiple of the body limit before a 413, then the connection is closed. */
export const DRAIN_MULTIPLE = 64;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Reads and discards the rest of a refused body (up to `maxBytes`, for at most DRAIN_TIMEOUT_MS), so the
 * client, still writing, reads the 413 instead of EPIPE/ECONNRESET (RFC 9112 §9.6: a server closing
 * with unread data may make the client lose the response).
 */
function drain(raw: IncomingMessage, maxBytes: number): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, DRAIN_TIMEOUT_MS);
    raw.on('data', onData).once('end', done).once('error', done).once('close', done);
    raw.resume();
  });
}

async function sendTooLarge(request: FastifyRequest, reply: FastifyReply, bodyLimit: number): Promise<FastifyReply> {
  request.log.warn({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, 'Request body is too large');
  await drain(request.raw, bodyLimit * DRAIN_MULTIPLE);
  return sendGatewayError(reply.header('connection', 'close'), errors.payloadTooLarge('Request body is too large'));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendTooLarge(request, reply, app.initialConfig.bodyLimit ?? 1048576);
    try {
      return handleError(error, request, reply);
    } catch (failure) {
      // The handler itself failed (e.g. on a hostile body): still the gateway's shape, never fastify's default.
      request.log.error({ code: failure instanceof Error ? failure.name : typeof failure }, 'error handler failed');
      return sendGatewayError(reply, errors.internal());
    }
  });

  app.setNotFoundHandler((request, reply) => {
    sendGatewayError(reply, errors.notFound(`No route ${request.method} ${request.url.split('?')[0]}`));
  });
}

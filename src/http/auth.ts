// Bearer-token authentication, run in onRequest so a bad token is answered before validation
// (docs/api.md §1: 401, then 400, then the XMPP side). Tokens are never accepted in a URL.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import type { SessionManager } from '../session/manager.js';
import type { SessionRecord } from '../state/session-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    session?: SessionRecord;
  }
}

const URL_TOKEN_PARAMS = ['token', 'access_token', 'authorization', 'bearer'];

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export function hasTokenInUrl(request: FastifyRequest): boolean {
  // Before validation: any route's query, read only to refuse a token in it.
  const query = request.query as Record<string, unknown> | undefined;
  return !!query && URL_TOKEN_PARAMS.some((p) => p in query);
}

export function authenticate(manager: SessionManager) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (hasTokenInUrl(request)) throw errors.sessionInvalid();
    request.session = await manager.authenticate(bearerToken(request));
  };
}

export function sessionOf(request: FastifyRequest): SessionRecord {
  if (!request.session) throw errors.sessionInvalid();
  return request.session;
}

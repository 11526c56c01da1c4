// CORS (CORS_ORIGINS): @fastify/cors for the origins allowed, and a clear 403 in the error shape for a
// preflight from any other origin (or any origin while CORS is off), instead of a bare 404 or a 204
// without headers that leaves the browser's console to explain. Same-origin pages never preflight, so
// the demo page served by the gateway itself needs no entry.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.js';

export const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'last-event-id', 'idempotency-key', 'x-request-id'];

export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    if (request.method !== 'OPTIONS' || origin === undefined || request.headers['access-control-request-method'] === undefined) return;
    if (any || allowed.has(origin)) return;
    throw errors.originNotAllowed(
      origins.length === 0
        ? `Cross-origin requests are off on this gateway (CORS_ORIGINS is empty); origin ${origin} is not allowed`
        : `Origin ${origin} is not in CORS_ORIGINS`,
    );
  });
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: any ? '*' : [...allowed],
    allowedHeaders: CORS_REQUEST_HEADERS,
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });
}

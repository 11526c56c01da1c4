// GET /demo: the browser demo client (demo/ at the package root: plain HTML, CSS and JavaScript, no
// build step), on unless DEMO_PAGE=false. Read once at start-up. A strict Content-Security-Policy: no
// inline script, no markup from elsewhere; fetch and EventSource may reach any http(s) gateway, since
// the page can drive a gateway on another origin (which then needs this origin in CORS_ORIGINS).
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const DIR = new URL('../../../demo/', import.meta.url);

const FILES = [
  { url: '/demo', file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: '/demo/demo.js', file: 'demo.js', type: 'text/javascript; charset=utf-8' },
  { url: '/demo/demo.css', file: 'demo.css', type: 'text/css; charset=utf-8' },
] as const;

export const DEMO_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http: https:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function demoRoutes(app: FastifyInstance): void {
  for (const { url, file, type } of FILES) {
    const body = readFileSync(new URL(file, DIR));
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', type)
        .header('content-security-policy', DEMO_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
  app.get('/demo/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/demo'));
}

// Starts a real gateway (buildApp, real worker threads) listening on a free loopback port,
// allowed to connect only to the test Prosody.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { SseClient, type SseOptions } from './sse.js';

export interface XmppServerLike {
  host: string;
  port: number;
  users: Array<{ username: string; jid: string; password: string }>;
}

export interface HttpResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field in tests
  body: any;
  headers: Headers;
}

export interface TestGateway {
  app: FastifyInstance;
  url: string;
  config: Config;
  post(path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<HttpResult>;
  login(user: { jid: string; password: string }, extra?: Record<string, unknown>): Promise<{ token: string; jid: Record<string, string> }>;
  events(options?: SseOptions): Promise<SseClient>;
  close(): Promise<void>;
}

export async function startGateway(server: XmppServerLike, overrides: Partial<Config> = {}): Promise<TestGateway> {
  // The login limits off: every test logs in from 127.0.0.1. They have tests of their own
  // (test/session/login-limits.test.ts, test/login-limits.test.ts), which set them.
  const unlimited = { loginRatePerAddress: 0, loginFailuresPerAddress: 0, loginFailuresPerJid: 0 };
  // One worker thread: each one loads every area's code (~0.35 s of CPU per start); the tests that are
  // about the pool itself ask for more (test/workers/workers.test.ts).
  const config = loadConfig(
    {},
    { workers: 1, allowedHosts: [`${server.host}:${server.port}`], logLevel: 'silent', ...unlimited, ...overrides },
  );
  const app = await buildApp({ config, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  const streams: SseClient[] = [];

  const post = async (path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<HttpResult> => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(token && { authorization: `Bearer ${token}` }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  return {
    app,
    url,
    config,
    post,
    async login(user, extra = {}) {
      const res = await post('/v1/login', { jid: user.jid, password: user.password, host: server.host, port: server.port, ...extra });
      if (res.status !== 201) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async events(options = {}) {
      const s = await SseClient.open(url, options);
      streams.push(s);
      return s;
    },
    async close() {
      for (const s of streams) s.close();
      await app.close();
    },
  };
}

/**
 * Subscribes two accounts to each other (RFC 6121 §3) through the gateway, with short-lived sessions
 * of their own, and waits until a's roster shows b with subscription both.
 */
export async function befriend(
  gw: Pick<TestGateway, 'login' | 'post'>,
  a: { jid: string; password: string; username: string },
  b: { jid: string; password: string; username: string },
): Promise<void> {
  const sa = await gw.login(a, { resource: 'setup' });
  const sb = await gw.login(b, { resource: 'setup' });
  await gw.post('/v1/roster/get', {}, sa.token);
  await gw.post('/v1/roster/get', {}, sb.token);
  await gw.post('/v1/presence/subscribe', { to: b.jid }, sa.token);
  await gw.post('/v1/presence/subscribe', { to: a.jid }, sb.token);
  await gw.post('/v1/presence/subscribed', { to: b.jid }, sa.token);
  await gw.post('/v1/presence/subscribed', { to: a.jid }, sb.token);
  for (let i = 0; ; i++) {
    // roster/get answers roster items (src/xeps/core-roster): only the JID's user and the subscription are read.
    const roster = (await gw.post('/v1/roster/get', {}, sa.token)).body as Array<{ jid: { user?: string }; subscription: string }>;
    if (roster.some((item) => item.jid.user === b.username && item.subscription === 'both')) break;
    if (i > 50) throw new Error(`subscription ${a.username} ⇄ ${b.username} did not complete`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await gw.post('/v1/logout', {}, sa.token);
  await gw.post('/v1/logout', {}, sb.token);
}

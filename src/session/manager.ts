// The main-thread side of sessions: login, token checks, actions routed to the owning worker,
// logout, tickets, idle and expiry sweeps. Knows nothing of HTTP or XML.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { isHostAllowed, type Config } from '../config.js';
import { errors, GatewayError } from '../errors.js';
import type { EventLog } from '../events/log.js';
import type { WorkerPool } from '../workers/pool.js';
import { parseJid, type Jid } from '../xmpp/jid.js';
import type { SessionRecord, SessionStore } from './store.js';
import { hashSecret, newSecret } from './tokens.js';

export interface LoginInput {
  jid: string;
  password?: string;
  resource?: string;
  host?: string;
  port?: number;
}

export interface LoginResult {
  token: string;
  status: 'online';
  jid: Jid;
}

export interface ManagerDeps {
  config: Config;
  pool: WorkerPool;
  store: SessionStore;
  log: EventLog;
  logger: FastifyBaseLogger;
  now?: () => number;
}

interface IdempotentEntry {
  at: number;
  result: Promise<unknown>;
}

const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;

export class SessionManager {
  private readonly now: () => number;
  /** Open event streams per session: a session with a stream is never idle. */
  private readonly streams = new Map<string, number>();
  private readonly idempotency = new Map<string, IdempotentEntry>();
  private draining = false;
  private logins = 0;

  constructor(private readonly deps: ManagerDeps) {
    this.now = deps.now ?? Date.now;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async login(input: LoginInput, anonymous: boolean): Promise<LoginResult> {
    if (this.draining) throw errors.draining();
    const { config } = this.deps;
    const target = resolveTarget(input, anonymous);
    if (!isHostAllowed(config.allowedHosts, target.host, target.port)) {
      throw errors.hostNotAllowed(`Connecting to ${target.host}:${target.port} is not allowed by this gateway`);
    }
    if ((await this.deps.store.list()).length + this.logins >= config.maxSessions) {
      throw errors.unavailable('This gateway has reached its session limit');
    }
    const sid = randomUUID();
    this.logins++;
    let opened;
    try {
      opened = await this.deps.pool.open(
        sid,
        {
          host: target.host,
          port: target.port,
          domain: target.domain,
          anonymous,
          ...(target.username !== undefined && { username: target.username }),
          ...(input.password !== undefined && { password: input.password }),
          ...(target.resource !== undefined && { resource: target.resource }),
        },
        config.loginTimeoutMs + 1000,
      );
    } finally {
      this.logins--;
    }
    const token = newSecret();
    const at = this.now();
    await this.deps.store.create({ sid, tokenHash: hashSecret(token), jid: opened.jid, state: 'online', createdAt: at, lastActive: at });
    await this.deps.log.append(sid, 'xmpp.connection', { status: 'online', jid: opened.jid });
    this.deps.logger.info({ sid, domain: opened.jid.domain }, 'session online');
    return { token, status: 'online', jid: opened.jid };
  }

  /** The session of a token, online or gone (gone answers 410 where it matters); 401 when unknown. */
  async authenticate(token: string | undefined): Promise<SessionRecord> {
    if (!token) throw errors.sessionInvalid();
    const record = await this.deps.store.byTokenHash(hashSecret(token));
    if (!record) throw errors.sessionInvalid();
    return record;
  }

  requireOnline(record: SessionRecord): void {
    if (record.state !== 'online') throw errors.disconnected(record.goneReason);
  }

  async action(record: SessionRecord, name: string, body: unknown, idempotencyKey?: string): Promise<unknown> {
    this.requireOnline(record);
    await this.deps.store.touch(record.sid, this.now());
    if (idempotencyKey === undefined) return this.deps.pool.call(record.sid, name, body);
    const key = `${record.sid}\u0000${name}\u0000${idempotencyKey}`;
    const hit = this.idempotency.get(key);
    if (hit && this.now() - hit.at < IDEMPOTENCY_WINDOW_MS) return hit.result;
    const result = this.deps.pool.call(record.sid, name, body);
    this.idempotency.set(key, { at: this.now(), result });
    // A failed attempt may be retried with the same key.
    result.catch(() => this.idempotency.delete(key));
    return result;
  }

  async logout(record: SessionRecord, reason = 'logout'): Promise<void> {
    await this.deps.store.delete(record.sid);
    if (record.state === 'online') await this.deps.pool.close(record.sid);
    await this.deps.log.append(record.sid, 'xmpp.connection', { status: 'offline' }, true);
    this.forget(record.sid);
    this.deps.logger.info({ sid: record.sid, reason }, 'session ended');
  }

  async createTicket(record: SessionRecord): Promise<{ ticket: string; expiresIn: number }> {
    this.requireOnline(record);
    const ticket = newSecret();
    const ttl = this.deps.config.ticketTtlS;
    await this.deps.store.putTicket(hashSecret(ticket), record.sid, this.now() + ttl * 1000);
    return { ticket, expiresIn: ttl };
  }

  async fromTicket(ticket: string): Promise<SessionRecord> {
    const sid = await this.deps.store.ticket(hashSecret(ticket), this.now());
    const record = sid === undefined ? undefined : await this.deps.store.get(sid);
    if (!record) throw errors.sessionInvalid();
    return record;
  }

  streamOpened(sid: string): void {
    this.streams.set(sid, (this.streams.get(sid) ?? 0) + 1);
  }

  streamClosed(sid: string): void {
    const n = (this.streams.get(sid) ?? 1) - 1;
    if (n <= 0) this.streams.delete(sid);
    else this.streams.set(sid, n);
    void this.deps.store.touch(sid, this.now());
  }

  /** From the pool: an event for a session. */
  onEvent(sid: string, name: string, data: unknown): void {
    void this.deps.log.append(sid, name, data);
  }

  /** From the pool: the XMPP connection ended without a logout (network, server, worker death). */
  async onClosed(sid: string, reason: string): Promise<void> {
    await this.deps.store.markGone(sid, reason, this.now());
    await this.deps.log.append(sid, 'xmpp.error', { type: 'connection', condition: 'disconnected', description: reason }, true);
    this.deps.logger.warn({ sid, reason }, 'session disconnected');
  }

  /** Ends idle sessions and forgets dropped ones whose buffer has expired. */
  async sweep(): Promise<void> {
    const now = this.now();
    const { idleTimeoutS, eventBufferAgeS } = this.deps.config;
    for (const record of await this.deps.store.list()) {
      if (record.state === 'gone') {
        if (now - (record.goneAt ?? now) > eventBufferAgeS * 1000) {
          await this.deps.store.delete(record.sid);
          await this.deps.log.drop(record.sid);
          this.forget(record.sid);
        }
      } else if (!this.streams.has(record.sid) && now - record.lastActive > idleTimeoutS * 1000) {
        await this.logout(record, 'idle').catch((err) => this.deps.logger.error({ err, sid: record.sid }, 'idle logout failed'));
      }
    }
    for (const [key, entry] of this.idempotency) if (now - entry.at > IDEMPOTENCY_WINDOW_MS) this.idempotency.delete(key);
  }

  /** Drain: refuse logins, end every session cleanly. */
  async shutdown(): Promise<void> {
    this.draining = true;
    const records = await this.deps.store.list();
    await Promise.all(records.map((r) => this.logout(r, 'shutdown').catch(() => undefined)));
  }

  private forget(sid: string): void {
    for (const key of this.idempotency.keys()) if (key.startsWith(`${sid}\u0000`)) this.idempotency.delete(key);
  }
}

interface Target {
  host: string;
  port: number;
  domain: string;
  username?: string;
  resource?: string;
}

/** XMPP-FTW's rules: a jid without '@' gets '@host'; a '/resource' in the jid wins over `resource`. */
export function resolveTarget(input: LoginInput, anonymous: boolean): Target {
  let raw = input.jid;
  if (!anonymous && !raw.includes('@') && input.host) raw = `${raw}@${input.host}`;
  const jid = parseJid(raw);
  if (!jid || (!anonymous && jid.user === undefined)) {
    throw new GatewayError(400, { type: 'auth', condition: 'client-error', description: 'Invalid JID', request: redact(input) });
  }
  const resource = jid.resource ?? input.resource;
  return {
    host: input.host ?? jid.domain,
    port: input.port ?? 5222,
    domain: jid.domain,
    ...(!anonymous && jid.user !== undefined && { username: jid.user }),
    ...(resource !== undefined && { resource }),
  };
}

export function redact(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { password: _password, ...rest } = body as Record<string, unknown>;
  return rest;
}

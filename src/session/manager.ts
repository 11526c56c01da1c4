// The main-thread side of sessions: login, token checks, actions routed to the owning worker,
// logout, tickets, idle and expiry sweeps. Knows nothing of HTTP or XML.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { isHostAllowed, type Config } from '../config.js';
import { errors, GatewayError } from '../errors.js';
import type { EventLog } from '../events/log.js';
import type { WorkerPool } from '../workers/pool.js';
import { parseJid, type Jid } from '../xmpp/jid.js';
import type { BusRequest, NodeBus, Ownership } from '../cluster/types.js';
import type { SessionRecord, SessionStore } from './store.js';
import { hashSecret, newSecret } from './tokens.js';
import { redact } from '../redact.js';

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
  ownership: Ownership;
  bus: NodeBus;
  logger: FastifyBaseLogger;
  now?: () => number;
  /** Observers for metrics. */
  observe?: { event(name: string): void; login(result: 'ok' | 'error' | 'refused'): void; disconnect(reason: string): void };
}

interface IdempotentEntry {
  at: number;
  result: Promise<unknown>;
}

const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;

export class SessionManager {
  private readonly now: () => number;
  /** Sessions whose XMPP connection lives on this node, with a copy of their record. */
  private readonly owned = new Map<string, SessionRecord>();
  /** Sessions this node owned that ended: kept until their retention ends (memory clean-up). */
  private readonly retired = new Map<string, number>();
  /** Open event streams on this node per session: a session with a stream anywhere is never idle. */
  private readonly streams = new Map<string, number>();
  private readonly idempotency = new Map<string, IdempotentEntry>();
  private draining = false;
  private logins = 0;
  /** Actions being served (from HTTP here or relayed from other nodes): a drain waits for them. */
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: ManagerDeps) {
    this.now = deps.now ?? Date.now;
    deps.bus.serve((req) => this.serveRemote(req));
    deps.ownership.start(() => this.owned.keys(), {
      lost: (sid) => void this.fenced(sid),
      missing: (sid) => this.rewrite(sid),
    });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get ownedCount(): number {
    return this.owned.size;
  }

  get streamCount(): number {
    let n = 0;
    for (const c of this.streams.values()) n += c;
    return n;
  }

  async login(input: LoginInput, anonymous: boolean): Promise<LoginResult> {
    if (this.draining) throw errors.draining();
    const { config } = this.deps;
    const target = resolveTarget(input, anonymous);
    if (!isHostAllowed(config.allowedHosts, target.host, target.port)) {
      this.deps.observe?.login('refused');
      throw errors.hostNotAllowed(`Connecting to ${target.host}:${target.port} is not allowed by this gateway`);
    }
    if (this.owned.size + this.logins >= config.maxSessions) {
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
    } catch (err) {
      this.deps.observe?.login('error');
      throw err;
    } finally {
      this.logins--;
    }
    this.deps.observe?.login('ok');
    const token = newSecret();
    const at = this.now();
    const record: SessionRecord = { sid, tokenHash: hashSecret(token), jid: opened.jid, state: 'online', createdAt: at, lastActive: at };
    try {
      await this.deps.store.create(record);
      await this.deps.ownership.claim(sid);
      this.owned.set(sid, record);
      await this.deps.log.append(sid, 'xmpp.connection', { status: 'online', jid: opened.jid });
    } catch (err) {
      // No session without its records: close the XMPP connection we just opened.
      this.owned.delete(sid);
      await this.deps.pool.close(sid);
      throw err;
    }
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

  /** Runs an action on the node that owns the session: here, or relayed to the owner. */
  async action(record: SessionRecord, name: string, body: unknown, idempotencyKey?: string): Promise<unknown> {
    this.requireOnline(record);
    return this.counted(() => this.route(record, name, body, idempotencyKey));
  }

  private async counted<T>(fn: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await fn();
    } finally {
      if (--this.inflight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async route(record: SessionRecord, name: string, body: unknown, idempotencyKey?: string): Promise<unknown> {
    if (this.owned.has(record.sid)) return this.actionHere(record.sid, name, body, idempotencyKey);
    const owner = await this.liveOwner(record);
    await this.deps.store.touch(record.sid, this.now());
    return this.deps.bus.request(
      owner,
      { op: 'action', sid: record.sid, name, body, ...(idempotencyKey !== undefined && { idempotencyKey }) },
      this.deps.config.iqTimeoutMs + 5000,
    );
  }

  private async actionHere(sid: string, name: string, body: unknown, idempotencyKey?: string): Promise<unknown> {
    const record = this.owned.get(sid);
    if (!record) throw errors.disconnected();
    const at = this.now();
    record.lastActive = at;
    await this.deps.store.touch(sid, at);
    if (idempotencyKey === undefined) return this.deps.pool.call(sid, name, body);
    const key = `${sid}\u0000${name}\u0000${idempotencyKey}`;
    const hit = this.idempotency.get(key);
    if (hit && at - hit.at < IDEMPOTENCY_WINDOW_MS) return hit.result;
    const result = this.deps.pool.call(sid, name, body);
    this.idempotency.set(key, { at, result });
    // A failed attempt may be retried with the same key.
    result.catch(() => this.idempotency.delete(key));
    return result;
  }

  /** The owner node of an online session; a lapsed lease means the owner died: 410 from now on. */
  private async liveOwner(record: SessionRecord): Promise<string> {
    const owner = await this.deps.ownership.ownerOf(record.sid);
    if (owner !== undefined) return owner;
    await this.declareDead(record.sid, 'The node holding this session stopped');
    throw errors.disconnected('The node holding this session stopped');
  }

  private async serveRemote(req: BusRequest): Promise<unknown> {
    if (!this.owned.has(req.sid)) throw errors.disconnected();
    if (req.op === 'action') return this.counted(() => this.actionHere(req.sid, req.name, req.body, req.idempotencyKey));
    await this.logoutHere(req.sid, 'logout');
    return { ok: true };
  }

  async logout(record: SessionRecord): Promise<void> {
    if (this.owned.has(record.sid)) return this.logoutHere(record.sid, 'logout');
    if (record.state === 'online') {
      const owner = await this.deps.ownership.ownerOf(record.sid);
      if (owner !== undefined) {
        await this.deps.bus.request(owner, { op: 'logout', sid: record.sid }, this.deps.config.iqTimeoutMs + 5000);
        return;
      }
    }
    // Nobody holds the connection any more: revoking the token is all that is left.
    await this.deps.store.delete(record.sid);
    await this.deps.log.append(record.sid, 'xmpp.connection', { status: 'offline' }, true).catch(() => undefined);
  }

  private async logoutHere(sid: string, reason: string): Promise<void> {
    this.owned.delete(sid);
    await this.deps.store.delete(sid);
    await this.deps.pool.close(sid);
    await this.deps.log.append(sid, 'xmpp.connection', { status: 'offline' }, true);
    await this.deps.ownership.release(sid).catch(() => undefined);
    this.retire(sid);
    this.deps.observe?.disconnect(reason);
    this.deps.logger.info({ sid, reason }, 'session ended');
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
    void this.deps.store.touch(sid, this.now()).catch(() => undefined);
  }

  /** From the pool: an event for a session. */
  onEvent(sid: string, name: string, data: unknown): void {
    this.deps.observe?.event(name);
    this.deps.log
      .append(sid, name, data)
      .catch((err) => this.deps.logger.warn({ err, sid, event: name }, 'event not logged: readers will see a gap'));
  }

  /** From the pool: the XMPP connection ended without a logout (network, server, worker death). */
  async onClosed(sid: string, reason: string): Promise<void> {
    this.owned.delete(sid);
    await this.deps.ownership.release(sid).catch(() => undefined);
    await this.declareDead(sid, reason);
    this.retire(sid);
    this.deps.observe?.disconnect('dropped');
    this.deps.logger.warn({ sid, reason }, 'session disconnected');
  }

  /** Marks a session gone (once, whichever node sees it first) and tells its streams. */
  private async declareDead(sid: string, reason: string): Promise<void> {
    const retainMs = this.deps.config.eventBufferAgeS * 1000;
    if (await this.deps.store.markGone(sid, reason, this.now(), retainMs)) {
      await this.deps.log.append(sid, 'xmpp.error', { type: 'connection', condition: 'disconnected', description: reason }, true);
    }
  }

  /** Fencing: another node declared this session dead while we could not renew its lease. */
  private async fenced(sid: string): Promise<void> {
    if (!this.owned.delete(sid)) return;
    this.deps.logger.warn({ sid }, 'lease lost: closing the XMPP connection');
    await this.deps.pool.close(sid);
    this.retire(sid);
    this.deps.observe?.disconnect('fenced');
  }

  /** Redis lost this session's records while its connection stayed up: write them again. */
  private async rewrite(sid: string): Promise<void> {
    const record = this.owned.get(sid);
    if (!record) return;
    await this.deps.store.create(record);
    await this.deps.ownership.claim(sid);
    this.deps.logger.warn({ sid }, 'session records restored after a Redis loss');
  }

  private retire(sid: string): void {
    this.retired.set(sid, this.now());
    for (const key of this.idempotency.keys()) if (key.startsWith(`${sid}\u0000`)) this.idempotency.delete(key);
  }

  /** Ends idle sessions, keeps streamed ones alive, checks remote owners, forgets expired ones. */
  async sweep(): Promise<void> {
    const now = this.now();
    const { idleTimeoutS, eventBufferAgeS } = this.deps.config;
    for (const sid of this.streams.keys()) {
      if (this.owned.has(sid)) continue;
      // A stream here on a session owned elsewhere: keep it from idling, and notice a dead owner.
      await this.deps.store.touch(sid, now).catch(() => undefined);
      const record = await this.deps.store.get(sid).catch(() => undefined);
      if (record?.state === 'online' && (await this.deps.ownership.ownerOf(sid).catch(() => 'unknown')) === undefined) {
        await this.declareDead(sid, 'The node holding this session stopped').catch(() => undefined);
      }
    }
    for (const [sid, local] of this.owned) {
      if (this.streams.has(sid)) continue;
      const shared = await this.deps.store.get(sid).catch(() => undefined);
      const lastActive = Math.max(local.lastActive, shared?.lastActive ?? 0);
      if (now - lastActive > idleTimeoutS * 1000) {
        await this.logoutHere(sid, 'idle').catch((err) => this.deps.logger.error({ err, sid }, 'idle logout failed'));
      }
    }
    for (const [sid, at] of this.retired) {
      if (now - at > eventBufferAgeS * 1000) {
        this.retired.delete(sid);
        await this.deps.log.drop(sid).catch(() => undefined);
      }
    }
    for (const [key, entry] of this.idempotency) if (now - entry.at > IDEMPOTENCY_WINDOW_MS) this.idempotency.delete(key);
  }

  /** Drain: refuse logins, end this node's sessions cleanly, release their leases. */
  async shutdown(graceMs = 10000): Promise<void> {
    this.draining = true;
    // Let the actions already under way finish first (bounded).
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await Promise.all([...this.owned.keys()].map((sid) => this.logoutHere(sid, 'shutdown').catch(() => undefined)));
    await this.deps.ownership.stop();
    await this.deps.bus.stop();
  }

  /** Refuse new logins from now on (readiness goes down); sessions keep working until shutdown(). */
  startDraining(): void {
    this.draining = true;
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

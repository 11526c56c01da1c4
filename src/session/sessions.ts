// Sessions: login, authentication, logout, stream tickets, and the end of a session (however it
// comes). Actions and everything that crosses to another node are the relay's (relay.ts).
import { randomUUID } from 'node:crypto';
import { isHostAllowed } from '../config.js';
import { errors, GatewayError } from '../errors.js';
import { redact } from '../redact.js';
import type { BusRequest } from '../state/bus.js';
import type { SessionRecord } from '../state/session-store.js';
import { parseJid, type Jid } from '../xmpp/jid.js';
import type { LocalSessions, SessionDeps, SessionLogger } from './context.js';
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

/** How a request reaches the owner node of a session (the relay). */
export interface ToOwner {
  toOwner(record: SessionRecord, req: BusRequest): Promise<unknown>;
  /** A session ended here (or was found ended): what else keeps per-session state drops it. */
  retired?(sid: string): void;
}

/**
 * Authentication without hashing every request (issue #18 goal 1: SHA-256 of the token was 3.6 µs of
 * each request, and the token index one of three Redis round trips of an action). Keyed by the raw
 * token — hashing is the cost being saved, so the key cannot be the hash; reverse proxies cache the
 * same way — held in this process's memory only, never written anywhere, and bounded three ways:
 * - the entry only names the session: every hit still reads the session's record (the authority) and
 *   checks its token hash, so a session revoked or ended anywhere is refused as before;
 * - an entry is dropped when its session ends on this node (retire), is logged out through it, or its
 *   record is found missing; one whose session ended on another node lapses after TOKEN_CACHE_TTL_MS
 *   at the latest (then the token is hashed again): no raw token outlives its session by more than that;
 * - at most TOKEN_CACHE_MAX entries (the oldest goes first).
 */
export const TOKEN_CACHE_MAX = 10000;
export const TOKEN_CACHE_TTL_MS = 60000;

interface CachedToken {
  sid: string;
  tokenHash: string;
  at: number;
}

export class Sessions {
  private readonly now: () => number;
  /** Raw token → its session (see TOKEN_CACHE_MAX above), and the way back to drop it by session. */
  private readonly tokens = new Map<string, CachedToken>();
  private readonly tokenOf = new Map<string, string>();
  draining = false;
  /** A session is owned here from now on (takeover.ts writes the state its worker sealed during the login). */
  onOwned: ((sid: string) => void) | undefined;
  /** Logins under way: they count against MAX_SESSIONS before they own anything. */
  private logins = 0;

  constructor(
    private readonly deps: SessionDeps,
    private readonly local: LocalSessions,
    private readonly owner: ToOwner,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** `logger`: the request's logger (its lines carry the request id); the session layer's own by default. */
  async login(input: LoginInput, anonymous: boolean, logger: SessionLogger = this.deps.logger): Promise<LoginResult> {
    if (this.draining) throw errors.draining();
    const { config, pool, store, ownership, log } = this.deps;
    const target = resolveTarget(input, anonymous);
    if (!isHostAllowed(config.allowedHosts, target.host, target.port)) {
      this.deps.observe?.login('refused');
      throw errors.hostNotAllowed(`Connecting to ${target.host}:${target.port} is not allowed by this gateway`);
    }
    if (this.local.owned.size + this.logins >= config.maxSessions) {
      throw errors.unavailable('This gateway has reached its session limit');
    }
    const sid = randomUUID();
    this.logins++;
    let opened;
    try {
      opened = await pool.open(
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
      await store.create(record);
      await ownership.claim(sid);
      this.local.owned.set(sid, record);
      this.onOwned?.(sid);
      await log.append(sid, 'xmpp.connection', { status: 'online', jid: opened.jid });
    } catch (err) {
      // No session without its records, and no records without the session.
      this.local.owned.delete(sid);
      await pool.close(sid);
      await store.delete(sid).catch(() => undefined);
      await ownership.release(sid).catch(() => undefined);
      throw err;
    }
    logger.info({ sid, domain: opened.jid.domain }, 'session online');
    return { token, status: 'online', jid: opened.jid };
  }

  /** The session of a token, online or gone (gone answers 410 where it matters); 401 when unknown. */
  async authenticate(token: string | undefined): Promise<SessionRecord> {
    if (!token) throw errors.sessionInvalid();
    const now = this.now();
    const cached = this.tokens.get(token);
    if (cached && now - cached.at < TOKEN_CACHE_TTL_MS) {
      // One read of the record (Redis: one round trip), which decides as the token index would.
      const record = await this.deps.store.get(cached.sid);
      if (record?.tokenHash === cached.tokenHash) return record;
      this.forgetToken(cached.sid);
      if (!record) throw errors.sessionInvalid();
    } else if (cached) this.forgetToken(cached.sid);
    const tokenHash = hashSecret(token);
    const record = await this.deps.store.byTokenHash(tokenHash);
    if (!record) throw errors.sessionInvalid();
    this.rememberToken(token, record.sid, tokenHash, now);
    return record;
  }

  private rememberToken(token: string, sid: string, tokenHash: string, at: number): void {
    this.forgetToken(sid);
    if (this.tokens.size >= TOKEN_CACHE_MAX) {
      // A Map iterates in insertion order: the first key is the oldest entry.
      const oldest = this.tokens.keys().next();
      if (!oldest.done) this.forgetToken(this.tokens.get(oldest.value)!.sid);
    }
    this.tokens.set(token, { sid, tokenHash, at });
    this.tokenOf.set(sid, token);
  }

  /** Drops the session's cached token (if any): from now on its token is hashed and looked up again. */
  forgetToken(sid: string): void {
    const token = this.tokenOf.get(sid);
    if (token === undefined) return;
    this.tokenOf.delete(sid);
    this.tokens.delete(token);
  }

  /** Test hook: how many raw tokens are held. */
  get cachedTokens(): number {
    return this.tokens.size;
  }

  requireOnline(record: SessionRecord): void {
    if (record.state !== 'online') throw errors.disconnected(record.goneReason);
  }

  async logout(record: SessionRecord, logger: SessionLogger = this.deps.logger): Promise<void> {
    this.forgetToken(record.sid);
    if (this.local.owned.has(record.sid)) return this.endHere(record.sid, 'logout', false, logger);
    if (record.state === 'online') {
      try {
        await this.owner.toOwner(record, { op: 'logout', sid: record.sid });
        return;
      } catch (err) {
        // 410: the owner is gone (now declared dead); anything else (503, 504) the client retries.
        if (!(err instanceof GatewayError && err.status === 410)) throw err;
      }
    }
    // Nobody holds the connection any more: revoking the token is all that is left.
    await this.deps.store.delete(record.sid);
    await this.deps.log.append(record.sid, 'xmpp.connection', { status: 'offline' }, true).catch(() => undefined);
  }

  /**
   * Ends a session owned here. The token is revoked first: if shared state is away nothing has
   * changed and the caller may retry (a logout answers 503). `force` (shutdown) ends the XMPP
   * connection whatever happens to the records.
   */
  async endHere(sid: string, reason: string, force = false, logger: SessionLogger = this.deps.logger): Promise<void> {
    try {
      await this.deps.store.delete(sid);
    } catch (err) {
      if (!force) throw err;
    }
    this.local.owned.delete(sid);
    await this.deps.pool.close(sid);
    await this.deps.log.append(sid, 'xmpp.connection', { status: 'offline' }, true).catch(() => undefined);
    await this.deps.ownership.release(sid).catch(() => undefined);
    this.retire(sid);
    this.deps.observe?.disconnect(reason);
    logger.info({ sid, reason }, 'session ended');
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

  /** A stream opened with this ticket: from now on it lives as long as the session (EventSource reconnects). */
  async keepTicket(ticket: string, sid: string): Promise<void> {
    await this.deps.store.keepTicket(hashSecret(ticket), sid);
  }

  /** From the pool: the XMPP connection ended without a logout (network, server, worker death). */
  async onClosed(sid: string, reason: string): Promise<void> {
    this.local.owned.delete(sid);
    await this.deps.ownership.release(sid).catch(() => undefined);
    await this.declareDead(sid, reason).catch((err) => {
      // Shared state is away: the sweeper records the end when it returns.
      this.local.unrecorded.set(sid, reason);
      this.deps.logger.warn({ err, sid }, 'session end not recorded yet');
    });
    this.retire(sid);
    this.deps.observe?.disconnect('dropped');
    this.deps.logger.warn({ sid, reason }, 'session disconnected');
  }

  /** Marks a session gone (once, whichever node sees it first) and tells its streams. */
  async declareDead(sid: string, reason: string): Promise<void> {
    const retainMs = this.deps.config.eventBufferAgeS * 1000;
    if (await this.deps.store.markGone(sid, reason, this.now(), retainMs)) {
      await this.deps.log.append(sid, 'xmpp.error', errors.disconnected(reason).body, true);
    }
    this.local.unrecorded.delete(sid);
    if (!this.local.owned.has(sid)) this.retire(sid);
  }

  /** Redis lost this session's records while its connection stayed up: write them again. */
  async rewrite(sid: string): Promise<void> {
    const record = this.local.owned.get(sid);
    if (!record) return;
    // Lease first: a node that finds the record finds its owner too (else it would declare it dead).
    await this.deps.ownership.claim(sid);
    await this.deps.store.create(record);
    this.deps.logger.warn({ sid }, 'session records restored after a Redis loss');
  }

  retire(sid: string): void {
    this.forgetToken(sid);
    this.owner.retired?.(sid);
    this.local.retired.set(sid, this.now());
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
    throw errors.invalidLoginJid(redact(input));
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

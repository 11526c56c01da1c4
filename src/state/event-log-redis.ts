// The per-session event log in a Redis stream, bounded by count (reads return at most the last
// EVENT_BUFFER_SIZE; MAXLEN trims storage approximately) and age (the key's TTL, renewed on every
// append). Entry ids are `<n>-0` with n the session's event number, assigned by the owner (which
// remembers it across a Redis restart): the cursor is the same string on every node, and a hole in
// the numbers is reported as a gap.
//
// While Redis is unreachable the owner holds a session's events in order in a local buffer (bounded
// like the log) and writes them when it returns, under the numbers they were given: a short outage
// loses nothing, and only an overflow of the buffer leaves a hole (a gap for readers).
import { randomBytes } from 'node:crypto';
import type { EventLog, LoggedEvent, ReadResult } from './event-log.js';
import { guarded, isRedisUnavailable, rethrow, type RedisClient } from './redis.js';
import { keys } from './redis-keys.js';
import type { PubSub } from './redis-pubsub.js';

// ARGV: n, maxlen, ttl, name, data, final, channel, k (the event's own key), '2' for a rewrite (else '1'), h ('' for none).
// A number already used (another node appended, e.g. the end of a session) moves the event after it;
// a second write of an event whose first did reach Redis (the reply was lost, and we retried or ioredis
// resent it after reconnecting: autoResendUnfulfilledCommands) is not written twice: every write but a
// rewrite looks for its own key at its number first ('1');
// a rewrite ('2': written before, perhaps lost in a Redis crash) is written only where the log has
// nothing at or after its number.
const APPEND = `
local n = tonumber(ARGV[1])
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  local lastN = tonumber(string.match(last[1][1], '^(%d+)-'))
  if lastN >= n then
    if ARGV[9] == '2' then return n end
    local same = redis.call('XRANGE', KEYS[1], n .. '-0', n .. '-0')
    if #same > 0 then
      local f = same[1][2]
      for i = 1, #f, 2 do
        if f[i] == 'k' and f[i + 1] == ARGV[8] then return n end
      end
    end
    n = lastN + 1
  end
end
local id = n .. '-0'
local fields = { 'e', ARGV[4], 'd', ARGV[5], 'f', ARGV[6], 'k', ARGV[8] }
if ARGV[10] ~= '' then
  fields[#fields + 1] = 'h'
  fields[#fields + 1] = ARGV[10]
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], id, unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
-- A rewrite is not announced: live readers that saw it once must not get it twice; a reader that
-- missed it reads it by range after its cursor (on reconnection).
if ARGV[9] ~= '2' then
  redis.call('PUBLISH', ARGV[7], id .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[6] .. '\\n' .. ARGV[5])
end
return n
`;

export function eventNumber(id: string): number | undefined {
  const m = /^(\d+)-0$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

function entryToEvent([id, fields]: [string, string[]]): LoggedEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return { id, name: f.e ?? '', data: f.d ?? 'null', ...(f.f === '1' && { final: true }) };
}

export interface RedisEventLogOptions {
  maxEvents: number;
  maxAgeMs: number;
}

/** An event waiting for the shared log. */
interface Held {
  n: number;
  k: string;
  name: string;
  json: string;
  final: boolean;
  /** XEP-0198 h when it was made (docs/api.md "Continuity"). */
  h?: number;
  at: number;
  /** Written once already (kept as recent): written again only into a log that lost it. */
  rewrite?: true;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;
/**
 * Events written in the last RECENT_MS (at most RECENT_MAX per session) are kept: a Redis that comes
 * back after a crash has lost them, though no reader may have read them yet. They are written again
 * (a retry: the APPEND script skips those Redis still has), ahead of anything newer.
 */
const RECENT_MS = 5000;
/** How many of the newest entries lastHandled() looks through. */
const LAST_HANDLED_SCAN = 32;
const RECENT_MAX = 200;

export class RedisEventLog implements EventLog {
  /** The last event number this node assigned per session (the owner's memory of its log). */
  private readonly counters = new Map<string, number>();
  private readonly held = new Map<string, Held[]>();
  private readonly recent = new Map<string, Held[]>();
  private readonly instance = randomBytes(4).toString('hex');
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing = false;
  private retryMs = RETRY_MIN_MS;

  constructor(
    private readonly redis: RedisClient,
    private readonly pubsub: PubSub,
    private readonly options: RedisEventLogOptions,
  ) {
    redis.on('ready', () => {
      this.rewriteRecent();
      this.scheduleFlush(0);
    });
  }

  /** Events held locally while Redis is away (for metrics and tests). */
  get heldCount(): number {
    let n = 0;
    for (const q of this.held.values()) n += q.length;
    return n;
  }

  async append(sid: string, name: string, data: unknown, final = false, handled?: number): Promise<LoggedEvent> {
    const n = (this.counters.get(sid) ?? 0) + 1;
    // The number is spent now, logged or not: a hole in the numbers is a gap, never a silent loss.
    this.counters.set(sid, n);
    const event: Held = {
      n,
      k: `${this.instance}.${n}`,
      name,
      json: JSON.stringify(data),
      final,
      ...(handled !== undefined && { h: handled }),
      at: Date.now(),
    };
    // Behind events already waiting: the log keeps the order in which they happened.
    if (this.held.has(sid)) return this.hold(sid, event);
    try {
      return await this.write(sid, event);
    } catch (err) {
      if (!isRedisUnavailable(err)) rethrow(err);
      return this.hold(sid, event);
    }
  }

  private async write(sid: string, e: Held): Promise<LoggedEvent> {
    const { maxEvents, maxAgeMs } = this.options;
    const n = (await this.redis.eval(
      APPEND,
      1,
      keys.events(sid),
      String(e.n),
      String(maxEvents),
      String(maxAgeMs),
      e.name,
      e.json,
      e.final ? '1' : '0',
      keys.eventChannel(sid),
      e.k,
      e.rewrite ? '2' : '1',
      e.h === undefined ? '' : String(e.h),
    )) as number;
    if (n > (this.counters.get(sid) ?? 0)) this.counters.set(sid, n);
    const { rewrite: _rewrite, ...written } = e;
    this.remember(sid, n === e.n ? written : { ...written, n });
    return { id: `${n}-0`, name: e.name, data: e.json, ...(e.final && { final: true }) };
  }

  /** Keeps a written event for RECENT_MS, in case Redis loses it in a crash. */
  private remember(sid: string, e: Held): void {
    let list = this.recent.get(sid);
    if (!list) {
      list = [];
      this.recent.set(sid, list);
    }
    list.push({ ...e, at: Date.now() });
    const old = Date.now() - RECENT_MS;
    while (list.length > RECENT_MAX || (list[0] !== undefined && list[0].at < old)) list.shift();
    if (e.final) this.recent.delete(sid);
  }

  /** On every (re)connection: the recent events go back in front of the held ones, to be written again. */
  private rewriteRecent(): void {
    const old = Date.now() - RECENT_MS;
    for (const [sid, list] of this.recent) {
      const again = list.filter((e) => e.at >= old).map((e): Held => ({ ...e, rewrite: true }));
      this.recent.delete(sid);
      if (again.length === 0) continue;
      const queue = this.held.get(sid) ?? [];
      const seen = new Set(queue.map((e) => e.n));
      const merged = [...again.filter((e) => !seen.has(e.n)), ...queue].sort((a, b) => a.n - b.n);
      this.held.set(sid, merged);
    }
  }

  private hold(sid: string, e: Held): LoggedEvent {
    let queue = this.held.get(sid);
    if (!queue) {
      queue = [];
      this.held.set(sid, queue);
    }
    let i = queue.length;
    while (i > 0 && queue[i - 1]!.n > e.n) i--;
    queue.splice(i, 0, e);
    // The log's own bound: what it would have trimmed anyway goes first.
    while (queue.length > this.options.maxEvents) queue.shift();
    this.scheduleFlush(this.retryMs);
    return { id: `${e.n}-0`, name: e.name, data: e.json, ...(e.final && { final: true }) };
  }

  private scheduleFlush(delayMs: number): void {
    if (this.held.size === 0 || this.flushing) return;
    if (this.flushTimer) {
      if (delayMs > 0) return;
      clearTimeout(this.flushTimer);
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, delayMs);
    this.flushTimer.unref();
  }

  /** Writes held events, each session's in order, sessions side by side; stops a session at the first failure. */
  private async flush(): Promise<void> {
    this.flushing = true;
    let failed = false;
    await Promise.all(
      [...this.held].map(async ([sid, queue]) => {
        while (queue.length > 0) {
          const e = queue[0]!;
          if (Date.now() - e.at > this.options.maxAgeMs) {
            queue.shift(); // older than the log keeps anything: a gap for readers
            continue;
          }
          try {
            await this.write(sid, e);
          } catch {
            failed = true;
            return;
          }
          if (queue[0] === e) queue.shift();
        }
        if (this.held.get(sid) === queue) this.held.delete(sid);
      }),
    );
    this.flushing = false;
    this.retryMs = failed ? Math.min(this.retryMs * 2, RETRY_MAX_MS) : RETRY_MIN_MS;
    this.scheduleFlush(failed ? this.retryMs : 0);
  }

  read(sid: string, after: string | undefined): Promise<ReadResult> {
    return guarded(async () => {
      const afterN = after === undefined ? 0 : eventNumber(after);
      const lower = afterN === undefined ? '-' : `(${afterN}-0`;
      // The newest entries after the cursor, at most the bound, oldest first.
      const entries = (await this.redis.xrevrange(keys.events(sid), '+', lower, 'COUNT', this.options.maxEvents)) as Array<
        [string, string[]]
      >;
      const events = entries.reverse().map(entryToEvent);
      const firstN = events[0] ? eventNumber(events[0].id) : undefined;
      const gap = afterN === undefined || (firstN !== undefined && firstN > afterN + 1);
      return { events, gap };
    });
  }

  /** The newest entries are read back to the first that carries an h (session-level events carry none). */
  lastHandled(sid: string): Promise<number | undefined> {
    return guarded(async () => {
      const entries = (await this.redis.xrevrange(keys.events(sid), '+', '-', 'COUNT', LAST_HANDLED_SCAN)) as Array<[string, string[]]>;
      for (const [, fields] of entries) {
        for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'h') return Number(fields[i + 1]);
      }
      return undefined;
    });
  }

  subscribe(sid: string, listener: (event: LoggedEvent) => void, resync?: () => void): Promise<() => void> {
    return this.pubsub.subscribe(
      keys.eventChannel(sid),
      (message) => {
        const event = this.parsed(message);
        if (event) listener(event);
      },
      resync,
    );
  }

  /**
   * One message reaches every stream of its session on this node in turn (src/state/redis-pubsub.ts):
   * parsed once for all of them (listeners only read events), not once per stream.
   */
  private lastMessage: string | undefined;
  private lastEvent: LoggedEvent | undefined;
  private parsed(message: string): LoggedEvent | undefined {
    if (message === this.lastMessage) return this.lastEvent;
    const [id, name, final, ...rest] = message.split('\n');
    const event =
      id === undefined || name === undefined ? undefined : { id, name, data: rest.join('\n'), ...(final === '1' && { final: true }) };
    this.lastMessage = message;
    this.lastEvent = event;
    return event;
  }

  isContiguous(prev: string, next: string): boolean {
    const a = eventNumber(prev);
    const b = eventNumber(next);
    return a !== undefined && b !== undefined && b === a + 1;
  }

  isAfter(prev: string, next: string): boolean {
    const a = eventNumber(prev);
    const b = eventNumber(next);
    return a === undefined || b === undefined || b > a;
  }

  drop(sid: string): Promise<void> {
    this.counters.delete(sid);
    const queue = this.held.get(sid);
    if (queue) queue.length = 0;
    this.held.delete(sid);
    return guarded(async () => void (await this.redis.del(keys.events(sid))));
  }
}

// The per-session event log in a Redis stream, bounded by count (MAXLEN) and age (the key's TTL,
// renewed on every append). Entry ids are `<n>-0` with n the session's event number, assigned by
// the owner (which remembers it across a Redis restart): the cursor is the same string on every
// node, and a hole in the numbers (events that could not be logged) is reported as a gap.
import type { EventLog, LoggedEvent, ReadResult } from '../events/log.js';
import type { PubSub } from './pubsub.js';
import type { RedisClient } from './redis.js';
import { keys } from './redis-store.js';

const APPEND = `
local n = tonumber(ARGV[1])
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  local lastN = tonumber(string.match(last[1][1], '^(%d+)-'))
  if lastN >= n then n = lastN + 1 end
end
local id = n .. '-0'
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], id, 'e', ARGV[4], 'd', ARGV[5], 'f', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[7], id .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[6] .. '\\n' .. ARGV[5])
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

export class RedisEventLog implements EventLog {
  /** The last event number this node assigned per session (the owner's memory of its log). */
  private readonly counters = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly pubsub: PubSub,
    private readonly options: RedisEventLogOptions,
  ) {}

  async append(sid: string, name: string, data: unknown, final = false): Promise<LoggedEvent> {
    const next = (this.counters.get(sid) ?? 0) + 1;
    // The number is spent even if Redis fails now: readers then see a gap, never a silent loss.
    this.counters.set(sid, next);
    const json = JSON.stringify(data);
    const n = (await this.redis.eval(
      APPEND,
      1,
      keys.events(sid),
      String(next),
      String(this.options.maxEvents),
      String(this.options.maxAgeMs),
      name,
      json,
      final ? '1' : '0',
      keys.eventChannel(sid),
    )) as number;
    this.counters.set(sid, Math.max(n, next));
    return { id: `${n}-0`, name, data: json, ...(final && { final }) };
  }

  async read(sid: string, after: string | undefined): Promise<ReadResult> {
    const afterN = after === undefined ? 0 : eventNumber(after);
    const start = afterN === undefined ? '-' : `(${afterN}-0`;
    const entries = (await this.redis.xrange(keys.events(sid), start, '+')) as Array<[string, string[]]>;
    const events = entries.map(entryToEvent);
    const firstN = events[0] ? eventNumber(events[0].id) : undefined;
    const gap = afterN === undefined || (firstN !== undefined && firstN > afterN + 1);
    return { events, gap };
  }

  async subscribe(sid: string, listener: (event: LoggedEvent) => void): Promise<() => void> {
    return this.pubsub.subscribe(keys.eventChannel(sid), (message) => {
      const [id, name, final, ...rest] = message.split('\n');
      if (id === undefined || name === undefined) return;
      listener({ id, name, data: rest.join('\n'), ...(final === '1' && { final: true }) });
    });
  }

  isContiguous(prev: string, next: string): boolean {
    const a = eventNumber(prev);
    const b = eventNumber(next);
    return a !== undefined && b !== undefined && b === a + 1;
  }

  async drop(sid: string): Promise<void> {
    this.counters.delete(sid);
    await this.redis.del(keys.events(sid));
  }

  /** Forget the counter without deleting the log (the session moved on or ended elsewhere). */
  forget(sid: string): void {
    this.counters.delete(sid);
  }
}

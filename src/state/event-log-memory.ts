// The event log of a single node. Ids are `<epoch>-<seq>`: the epoch tells cursors of another log
// incarnation (a restarted process) apart, so they read as a gap rather than as a position.
import { randomBytes } from 'node:crypto';
import type { EventLog, LoggedEvent, ReadResult } from './event-log.js';

interface Entry extends LoggedEvent {
  seq: number;
  at: number;
}

interface SessionLog {
  epoch: string;
  nextSeq: number;
  entries: Entry[];
  head: number;
  /** The newest event's `handled`, if any had one. */
  handled?: number;
  listeners: Set<(event: LoggedEvent) => void>;
}

export interface MemoryEventLogOptions {
  maxEvents: number;
  maxAgeMs: number;
  now?: () => number;
}

/** `<epoch>-<seq>`, or undefined for anything else. */
function parseId(id: string): { epoch: string; seq: number } | undefined {
  const m = /^([0-9a-f]+)-(\d+)$/.exec(id);
  return m ? { epoch: m[1]!, seq: Number(m[2]) } : undefined;
}

const strip = (e: Entry): LoggedEvent => ({ id: e.id, name: e.name, data: e.data, ...(e.final && { final: true }) });

export class MemoryEventLog implements EventLog {
  private readonly logs = new Map<string, SessionLog>();
  private readonly now: () => number;

  constructor(private readonly options: MemoryEventLogOptions) {
    this.now = options.now ?? Date.now;
  }

  private log(sid: string): SessionLog {
    let log = this.logs.get(sid);
    if (!log) {
      log = { epoch: randomBytes(4).toString('hex'), nextSeq: 1, entries: [], head: 0, listeners: new Set() };
      this.logs.set(sid, log);
    }
    return log;
  }

  private prune(log: SessionLog): void {
    const oldest = this.now() - this.options.maxAgeMs;
    const live = log.entries.length - log.head;
    let drop = Math.max(0, live - this.options.maxEvents);
    while (log.head + drop < log.entries.length && log.entries[log.head + drop]!.at < oldest) drop++;
    log.head += drop;
    // Compact now and then rather than shifting on every append.
    if (log.head > 1024 && log.head * 2 > log.entries.length) {
      log.entries = log.entries.slice(log.head);
      log.head = 0;
    }
  }

  async append(sid: string, name: string, data: unknown, final = false, handled?: number): Promise<LoggedEvent> {
    const log = this.log(sid);
    if (handled !== undefined) log.handled = handled;
    const seq = log.nextSeq++;
    const entry: Entry = { id: `${log.epoch}-${seq}`, seq, name, data: JSON.stringify(data), at: this.now() };
    if (final) entry.final = true;
    log.entries.push(entry);
    this.prune(log);
    const event = strip(entry);
    for (const listener of log.listeners) listener(event);
    return event;
  }

  async read(sid: string, after: string | undefined): Promise<ReadResult> {
    const log = this.log(sid);
    this.prune(log);
    const live = log.entries.slice(log.head);
    if (after === undefined) {
      // No cursor: everything still buffered; a gap if the log already lost its beginning.
      return { events: live.map(strip), gap: (live[0]?.seq ?? log.nextSeq) > 1 };
    }
    const cursor = parseId(after);
    if (!cursor || cursor.epoch !== log.epoch) return { events: live.map(strip), gap: true };
    const { seq } = cursor;
    const firstKept = live[0]?.seq ?? log.nextSeq;
    return { events: live.filter((e) => e.seq > seq).map(strip), gap: seq < firstKept - 1 };
  }

  async lastHandled(sid: string): Promise<number | undefined> {
    return this.logs.get(sid)?.handled;
  }

  async subscribe(sid: string, listener: (event: LoggedEvent) => void): Promise<() => void> {
    // In one process no live event is ever missed: `resync` is never needed.
    const log = this.log(sid);
    log.listeners.add(listener);
    return () => log.listeners.delete(listener);
  }

  /** Memory never loses an event between two others: only the head is evicted. */
  isContiguous(): boolean {
    return true;
  }

  /** Within one epoch by number; an id of another epoch (another process's log) is not comparable: after. */
  isAfter(prev: string, next: string): boolean {
    const a = parseId(prev);
    const b = parseId(next);
    return !a || !b || a.epoch !== b.epoch || b.seq > a.seq;
  }

  async drop(sid: string): Promise<void> {
    this.logs.delete(sid);
  }
}

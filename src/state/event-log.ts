// The event log seam: every incoming event of a session gets an id in log order, is kept (bounded by
// count and age) for replay after a cursor, and is fanned out to the session's live streams. Memory
// and Redis implementations sit beside this file, held to one contract (test/state/event-log.contract.ts).

export interface LoggedEvent {
  /** Opaque cursor, the same on every node and stream; increases in log order. */
  id: string;
  name: string;
  /** One-line JSON. */
  data: string;
  /** The session ends with this event: streams close after writing it. */
  final?: boolean;
}

export interface ReadResult {
  events: LoggedEvent[];
  /** The cursor was older than the log (or unknown): events may have been missed. */
  gap: boolean;
}

export interface EventLog {
  /**
   * Gives the event its id and its place in the log. Resolves once it is logged, or (Redis) held in
   * order in a bounded local buffer while the shared log is unreachable, to be written when it returns.
   */
  append(sid: string, name: string, data: unknown, final?: boolean, handled?: number): Promise<LoggedEvent>;
  /**
   * The `handled` of the newest event logged with one (XEP-0198 h of the stanzas handled when it was
   * made): a node taking the session's stream over resumes after it (docs/api.md "Continuity").
   */
  lastHandled(sid: string): Promise<number | undefined>;
  /** What follows `after` (everything kept without a cursor), in log order; at most the bound. */
  read(sid: string, after: string | undefined): Promise<ReadResult>;
  /**
   * Resolves once live events will reach the listener; returns the unsubscribe function. `resync`
   * is called when live events may have been missed (the subscription was re-established): read
   * again from your last id.
   */
  subscribe(sid: string, listener: (event: LoggedEvent) => void, resync?: () => void): Promise<() => void>;
  /** Does `next` follow `prev` with nothing lost in between? */
  isContiguous(prev: string, next: string): boolean;
  /** Is `next` later in the log than `prev`? (A live copy that is not was written already.) */
  isAfter(prev: string, next: string): boolean;
  drop(sid: string): Promise<void>;
}

// The worker pool (main thread side). A session is pinned to one worker for its whole life;
// if a worker dies only its sessions end, and the pool starts a replacement.
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { errors } from '../errors.js';
import { InThreadWorker } from './in-thread.js';
import {
  batcher,
  PROTOCOL_VERSION,
  type FromWorker,
  type HandoverResult,
  type ConnectTarget,
  type LoginRequest,
  type OpenResult,
  type ToWorker,
  type WorkerSettings,
} from './protocol.js';

export interface PoolHooks {
  onEvent(sid: string, name: string, data: unknown, handled?: number): void;
  /** The session's XMPP connection ended without a close() (network, server, worker death). */
  onClosed(sid: string, reason: string): void;
  /** Takeover mode: the session's sealed takeover state changed (src/workers/takeover.ts). */
  onTakeover?(sid: string, blob: string): void;
  /** Takeover mode: record h (XEP-0198 §4) before the worker tells it to the server; resolves when recorded. */
  onAck?(sid: string, h: number): Promise<void>;
}

/** What the pool uses of a worker thread; InThreadWorker (WORKERS=0) has the same shape. */
interface WorkerLike {
  readonly threadId: number;
  postMessage(batch: ToWorker[]): void;
  terminate(): Promise<number>;
  getHeapSnapshot(): Promise<Readable>;
  on(event: 'message', listener: (batch: FromWorker[]) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

interface Slot {
  index: number;
  worker: WorkerLike;
  post: (msg: ToWorker) => void;
  sessions: Set<string>;
  ready: Promise<void>;
  alive: boolean;
  /** Set once the worker said `ready`; a worker that exits before that failed to boot. */
  booted: boolean;
  /** The boot error, when the worker threw before `ready`. */
  bootError?: Error;
}

interface Pending {
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  slot: Slot;
}

export interface PoolOptions {
  /** Worker threads; 0 runs one worker side on this thread instead (in-thread.ts). */
  size: number;
  settings: WorkerSettings;
  /** Upper bound for any one request to a worker (the worker applies its own XMPP timeouts first). */
  requestTimeoutMs: number;
  workerUrl?: URL;
}

/**
 * Requests to a worker: up to 64 per postMessage (worker → main keeps batcher's 8). An idle worker
 * sleeps in epoll and each postMessage that finds it asleep costs both threads ~20–40 µs to wake it
 * (bench/wake-cost.ts); with 8, a busy turn's requests took ~6 messages per postMessage, with 64 ~12–13.
 * A hold of 1 ms between batches (tried: ~15 per postMessage) made send's p99 worse in every round
 * measured, so requests still leave on the next turn (bench/README.md "Issue #18 goals").
 */
const TO_WORKER_MAX_BATCH = 64;
/**
 * A worker's V8 young generation (MiB). V8 grows it to ~48 MiB per isolate while sessions open and
 * keeps it: with 2 workers that was most of the gap between a gateway session's RSS and a direct
 * connection's at 3,000 sessions (52.6 vs 22.3 KiB; 23.2 vs 22.7 with every young generation at
 * 1 MiB; bench/README.md "idle"). A worker allocates little per stanza, so scavenging a small one costs
 * little; the main thread (HTTP) keeps V8's default.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly owner = new Map<string, Slot>();
  private readonly pending = new Map<number, Pending>();
  private nextReq = 1;
  private stopping = false;

  constructor(
    private readonly options: PoolOptions,
    private readonly hooks: PoolHooks,
  ) {
    for (let i = 0; i < Math.max(1, options.size); i++) this.slots.push(this.spawn(i));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Resolves when every worker has started. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  isReady(): boolean {
    return !this.stopping && this.slots.every((s) => s.alive);
  }

  stats(): Array<{ index: number; sessions: number; threadId: number }> {
    return this.slots.map((s) => ({ index: s.index, sessions: s.sessions.size, threadId: s.worker.threadId }));
  }

  /** Metrics hook: a no-op round trip (a close of no session) through each live worker's event loop. */
  roundTrips(): Promise<Array<{ index: number; seconds: number }>> {
    const alive = this.slots.filter((s) => s.alive);
    return Promise.all(
      alive.map(async (s) => {
        const start = performance.now();
        await this.request(s, { v: 3, t: 'close', req: 0, sid: '' }, 5000).catch(() => undefined);
        return { index: s.index, seconds: (performance.now() - start) / 1000 };
      }),
    );
  }

  workerOf(sid: string): number | undefined {
    return this.owner.get(sid)?.index;
  }

  async open(sid: string, login: LoginRequest, timeoutMs: number): Promise<OpenResult> {
    // The worker answers an `open` with an OpenResult (src/workers/protocol.ts).
    return (await this.place(sid, { v: 3, t: 'open', req: 0, sid, login }, timeoutMs)) as OpenResult;
  }

  /** Puts a session on the least loaded worker with its first request (open, adopt); undone if that fails. */
  private async place(sid: string, msg: ToWorker, timeoutMs: number): Promise<unknown> {
    if (this.stopping) throw errors.draining();
    const slot = this.leastLoaded();
    await slot.ready;
    slot.sessions.add(sid);
    this.owner.set(sid, slot);
    try {
      return await this.request(slot, msg, timeoutMs);
    } catch (err) {
      slot.sessions.delete(sid);
      this.owner.delete(sid);
      throw err;
    }
  }

  /** Runs an action that needs no session (e.g. XEP-0077 §3.1 account creation) on the least loaded worker. */
  async sessionless(action: string, target: ConnectTarget, body: unknown, timeoutMs: number): Promise<unknown> {
    if (this.stopping) throw errors.draining();
    const slot = this.leastLoaded();
    await slot.ready;
    return this.request(slot, { v: 3, t: 'sessionless', req: 0, action, target, body }, timeoutMs);
  }

  async call(sid: string, action: string, body: unknown): Promise<unknown> {
    const slot = this.owner.get(sid);
    if (!slot) throw errors.disconnected();
    return this.request(slot, { v: 3, t: 'call', req: 0, sid, action, body }, this.options.requestTimeoutMs);
  }

  async close(sid: string, silent = false): Promise<void> {
    const slot = this.owner.get(sid);
    if (!slot) return;
    this.owner.delete(sid);
    slot.sessions.delete(sid);
    const msg: ToWorker = { v: 3, t: 'close', req: 0, sid, ...(silent && { silent: true as const }) };
    await this.request(slot, msg, this.options.requestTimeoutMs).catch(() => undefined);
  }

  /** The connection of a session another node takes: dropped without closing its stream (XEP-0198 §5). */
  abandon(sid: string): Promise<void> {
    return this.close(sid, true);
  }

  /** Drain handover: the worker seals the session's state and drops its connection; undefined: nothing to hand over (ended). */
  async handover(sid: string): Promise<HandoverResult | undefined> {
    const slot = this.owner.get(sid);
    if (!slot) return undefined;
    this.owner.delete(sid);
    slot.sessions.delete(sid);
    // The worker answers a handover with a HandoverResult, or {} (src/workers/protocol.ts).
    const data = (await this.request(slot, { v: 3, t: 'handover', req: 0, sid }, this.options.requestTimeoutMs)) as Partial<HandoverResult>;
    return data.blob !== undefined && data.h !== undefined ? { blob: data.blob, h: data.h } : undefined;
  }

  /** Takes over a session another node held, from its sealed state: the worker resumes its stream. */
  async adopt(sid: string, blob: string, h: number | undefined, logged?: number): Promise<void> {
    const msg: ToWorker = { v: 3, t: 'adopt', req: 0, sid, blob, ...(h !== undefined && { h }), ...(logged !== undefined && { logged }) };
    await this.place(sid, msg, this.options.requestTimeoutMs);
  }

  /** Test and operations hook: terminate one worker as if it had crashed. */
  async kill(index: number): Promise<void> {
    const slot = this.slots[index];
    if (slot) await slot.worker.terminate();
  }

  /** Operations and bench hook: a V8 heap snapshot of one worker (bench/heap-worker.ts reads it). */
  heapSnapshot(index: number): Promise<NodeJS.ReadableStream> {
    const slot = this.slots[index];
    if (!slot?.alive) return Promise.reject(errors.disconnected('XMPP worker stopped'));
    return slot.worker.getHeapSnapshot();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private leastLoaded(): Slot {
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.alive && (s.sessions.size < best.sessions.size || !best.alive)) best = s;
    return best;
  }

  private request(slot: Slot, msg: ToWorker, timeoutMs: number): Promise<unknown> {
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      if (!slot.alive) return reject(errors.disconnected());
      const timer = setTimeout(() => {
        this.pending.delete(req);
        reject(errors.timeout());
      }, timeoutMs);
      this.pending.set(req, { resolve, reject, timer, slot });
      slot.post({ ...msg, req });
    });
  }

  private spawn(index: number): Slot {
    const worker: WorkerLike =
      this.options.size === 0
        ? new InThreadWorker(this.options.settings)
        : new Worker(this.options.workerUrl ?? new URL('./worker.js', import.meta.url), {
            workerData: this.options.settings,
            resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
          });
    let markReady: () => void = () => undefined;
    let failBoot: (err: Error) => void = () => undefined;
    const slot: Slot = {
      index,
      worker,
      post: batcher<ToWorker>((batch) => worker.postMessage(batch), TO_WORKER_MAX_BATCH),
      sessions: new Set(),
      alive: true,
      booted: false,
      ready: new Promise<void>((resolve, reject) => {
        markReady = () => {
          slot.booted = true;
          resolve();
        };
        failBoot = reject;
      }),
    };
    // ready() may never be awaited for a respawned slot: its rejection must not be unhandled.
    slot.ready.catch(() => undefined);
    worker.on('message', (batch: FromWorker[]) => {
      if (!Array.isArray(batch)) return;
      for (const msg of batch) this.onMessage(slot, msg, markReady);
    });
    worker.on('error', (err) => {
      if (!slot.booted) slot.bootError = err;
    });
    worker.on('exit', (code) => {
      if (!slot.booted) failBoot(slot.bootError ?? new Error(`XMPP worker exited with code ${code} before it was ready`));
      this.onExit(slot);
    });
    return slot;
  }

  private onMessage(slot: Slot, msg: FromWorker, markReady: () => void): void {
    if (msg?.v !== PROTOCOL_VERSION) return;
    switch (msg.t) {
      case 'ready':
        markReady();
        return;
      case 'event':
        this.hooks.onEvent(msg.sid, msg.name, msg.data, msg.handled);
        return;
      case 'closed':
        if (this.owner.get(msg.sid) === slot) {
          this.owner.delete(msg.sid);
          slot.sessions.delete(msg.sid);
          this.hooks.onClosed(msg.sid, msg.reason);
        }
        return;
      case 'takeover':
        if (this.owner.get(msg.sid) === slot) this.hooks.onTakeover?.(msg.sid, msg.blob);
        return;
      case 'ack': {
        const { sid, h } = msg;
        if (this.owner.get(sid) !== slot || !this.hooks.onAck) return;
        this.hooks.onAck(sid, h).then(
          () => slot.alive && slot.post({ v: 3, t: 'acked', req: 0, sid, h }),
          () => undefined,
        );
        return;
      }
      case 'reply': {
        const p = this.pending.get(msg.req);
        if (!p) return;
        this.pending.delete(msg.req);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.data);
        else p.reject(errors.fromJSON(msg.error));
        return;
      }
    }
  }

  private onExit(slot: Slot): void {
    slot.alive = false;
    for (const [req, p] of this.pending) {
      if (p.slot !== slot) continue;
      clearTimeout(p.timer);
      this.pending.delete(req);
      p.reject(errors.disconnected('XMPP worker stopped'));
    }
    const orphans = [...slot.sessions];
    slot.sessions.clear();
    for (const sid of orphans) {
      this.owner.delete(sid);
      this.hooks.onClosed(sid, 'XMPP client disconnected');
    }
    // A worker that failed to boot would fail the same way again (its code and settings are the same):
    // respawning it would spin forever, so the slot stays dead and ready() reports the boot error.
    if (!this.stopping && slot.booted) this.slots[slot.index] = this.spawn(slot.index);
  }
}

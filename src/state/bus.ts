// The node bus seam: how a node asks the owner of a session to act, and gets its answer. Memory and
// Redis implementations sit beside this file, held to one contract (test/state/bus.contract.ts).
import { type ErrorBody, errors, isGatewayErrorLike } from '../errors.js';

/** A request relayed to the owner of a session. */
export type BusRequest =
  { op: 'action'; sid: string; name: string; body: unknown; idempotencyKey?: string } | { op: 'logout'; sid: string };

/** An answer as it crosses between nodes: plain JSON, errors as their status and body. */
export type BusReply = { ok: true; data: unknown } | { ok: false; status: number; body: ErrorBody };

export interface BusRequestOptions {
  /** How long the owner may take to answer once it has the request (then 504). */
  timeoutMs: number;
  /**
   * How long the owner may take to acknowledge it (then 503 with Retry-After): a node that is gone
   * or stuck is noticed in this time, not after the whole `timeoutMs`.
   */
  ackTimeoutMs: number;
  /** Gives up at once, rejecting with the signal's reason (a GatewayError). */
  signal?: AbortSignal;
}

export interface NodeBus {
  /** Resolves once this node receives requests (its channel is subscribed). */
  readonly ready: Promise<void>;
  /**
   * Sends a request to another node. Rejects with a GatewayError: the owner's own error (status and
   * body kept); 503 when no node by that name listens or it does not acknowledge in time; 504 when it
   * acknowledged but did not answer in time.
   */
  request(nodeId: string, req: BusRequest, options: BusRequestOptions): Promise<unknown>;
  /** Serves requests from other nodes. */
  serve(handler: (req: BusRequest) => Promise<unknown>): void;
  /** Stops serving; requests of this node still waiting reject with 503. */
  stop(): Promise<void>;
}

/**
 * The requests a node is waiting on, with their deadlines (acknowledgement, then answer) and abort
 * signals: one state machine for both implementations.
 */
export class Waiting {
  private readonly pending = new Map<string, { settle(reply: BusReply | Error): void; acked(): void }>();

  constructor(private readonly errors: { noAck: () => Error; timeout: () => Error; aborted: (reason: unknown) => Error }) {}

  /** Registers request `id`; the promise settles with the owner's answer or the first deadline or abort. */
  wait(id: string, options: BusRequestOptions): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let timer = setTimeout(() => settle(this.errors.noAck()), options.ackTimeoutMs);
      const onAbort = () => settle(this.errors.aborted(options.signal?.reason));
      const settle = (reply: BusReply | Error) => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (reply instanceof Error) reject(reply);
        else if (reply.ok) resolve(reply.data);
        else reject(errors.fromJSON(reply));
      };
      const acked = () => {
        clearTimeout(timer);
        timer = setTimeout(() => settle(this.errors.timeout()), options.timeoutMs);
      };
      this.pending.set(id, { settle, acked });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  acked(id: string): void {
    this.pending.get(id)?.acked();
  }

  settle(id: string, reply: BusReply | Error): void {
    this.pending.get(id)?.settle(reply);
  }

  /** Rejects everything still waiting. */
  failAll(err: () => Error): void {
    for (const p of [...this.pending.values()]) p.settle(err());
  }
}

/** An answer or error as it crosses between nodes. */
export function toReply(result: { data: unknown } | { error: unknown }): BusReply {
  if ('data' in result) return { ok: true, data: result.data };
  const e = isGatewayErrorLike(result.error) ? result.error : errors.internal();
  return { ok: false, status: e.status, body: e.body };
}

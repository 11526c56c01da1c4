// The seams of multi-node mode (docs/api.md §8), each with a memory implementation (single node, the
// default) and a Redis one: who owns a session, and how nodes ask each other to act.
import type { ErrorBody } from '../errors.js';

export interface Ownership {
  readonly nodeId: string;
  /** Takes the lease of a new session opened on this node. */
  claim(sid: string): Promise<void>;
  release(sid: string): Promise<void>;
  /** The node holding the session's lease; undefined once it has lapsed (the owner is gone). */
  ownerOf(sid: string): Promise<string | undefined>;
  /**
   * Keeps this node's leases alive. `lost` fires for a session this node may no longer serve
   * (fencing: another node declared it dead); `missing` for one whose records vanished while its
   * connection is still up (Redis restarted): the owner writes them again.
   */
  start(owned: () => Iterable<string>, hooks: { lost(sid: string): void; missing(sid: string): Promise<void> }): void;
  stop(): Promise<void>;
}

/** A request relayed to the owner of a session, and its answer. */
export type BusRequest =
  { op: 'action'; sid: string; name: string; body: unknown; idempotencyKey?: string } | { op: 'logout'; sid: string };

export type BusReply = { ok: true; data: unknown } | { ok: false; status: number; body: ErrorBody };

export interface NodeBus {
  /** Sends a request to another node; rejects with a GatewayError (504 when it does not answer). */
  request(nodeId: string, req: BusRequest, timeoutMs: number): Promise<unknown>;
  /** Serves requests from other nodes. */
  serve(handler: (req: BusRequest) => Promise<unknown>): void;
  stop(): Promise<void>;
}

export class LocalOwnership implements Ownership {
  readonly nodeId = 'local';
  private readonly owned = new Set<string>();
  async claim(sid: string): Promise<void> {
    this.owned.add(sid);
  }
  async release(sid: string): Promise<void> {
    this.owned.delete(sid);
  }
  async ownerOf(sid: string): Promise<string | undefined> {
    return this.owned.has(sid) ? this.nodeId : undefined;
  }
  start(): void {}
  async stop(): Promise<void> {}
}

/** Single node: nobody else to ask. */
export class LocalBus implements NodeBus {
  async request(): Promise<unknown> {
    throw new Error('no other node in single-node mode');
  }
  serve(): void {}
  async stop(): Promise<void> {}
}

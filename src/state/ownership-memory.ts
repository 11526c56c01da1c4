// Leases in this process. One node alone needs no more than that; several managers in one process
// (the unit tests of relaying and fencing) share one LeaseTable, as nodes share Redis.
import type { Ownership, OwnershipHooks, RenewResult } from './ownership.js';
import type { MemorySessionStore } from './session-store-memory.js';

export class LeaseTable {
  readonly owners = new Map<string, { nodeId: string; until: number }>();
  readonly heartbeats = new Map<string, number>();
}

export interface MemoryOwnershipOptions {
  nodeId?: string;
  leaseMs: number;
  leases?: LeaseTable;
  /** The store whose records the renewal checks, as the Redis renewal reads the session's hash. */
  sessions?: MemorySessionStore;
  now?: () => number;
}

export class MemoryOwnership implements Ownership {
  readonly nodeId: string;
  private readonly leases: LeaseTable;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MemoryOwnershipOptions) {
    this.nodeId = options.nodeId ?? 'local';
    this.leases = options.leases ?? new LeaseTable();
    this.now = options.now ?? Date.now;
  }

  async claim(sid: string): Promise<void> {
    this.leases.owners.set(sid, { nodeId: this.nodeId, until: this.now() + this.options.leaseMs });
  }

  async release(sid: string): Promise<void> {
    if (this.leases.owners.get(sid)?.nodeId === this.nodeId) this.leases.owners.delete(sid);
  }

  async ownerOf(sid: string): Promise<string | undefined> {
    const lease = this.leases.owners.get(sid);
    if (!lease) return undefined;
    if (lease.until <= this.now()) {
      this.leases.owners.delete(sid);
      return undefined;
    }
    return lease.nodeId;
  }

  async isAlive(nodeId: string): Promise<boolean> {
    return (this.leases.heartbeats.get(nodeId) ?? 0) > this.now();
  }

  /** The Redis renewal script, in memory (see ownership-redis.ts). */
  private renew(sid: string): RenewResult {
    const now = this.now();
    const until = now + this.options.leaseMs;
    const lease = this.leases.owners.get(sid);
    if (lease && lease.until > now) {
      if (lease.nodeId !== this.nodeId) return 'lost';
      lease.until = until;
      return 'renewed';
    }
    const state = this.options.sessions ? this.options.sessions.peekState(sid) : 'online';
    if (state === 'online') {
      this.leases.owners.set(sid, { nodeId: this.nodeId, until });
      return 'renewed';
    }
    return state === 'gone' ? 'lost' : 'missing';
  }

  start(owned: () => Iterable<string>, hooks: OwnershipHooks): void {
    const round = () => {
      this.leases.heartbeats.set(this.nodeId, this.now() + this.options.leaseMs);
      for (const sid of [...owned()]) {
        const result = this.renew(sid);
        if (result === 'lost') hooks.lost(sid);
        else if (result === 'missing') void hooks.missing(sid).catch(() => undefined);
      }
    };
    round();
    this.timer = setInterval(round, Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.leases.heartbeats.delete(this.nodeId);
  }
}

// The ownership seam: which node holds a session's XMPP connection (a lease it keeps renewing), and
// which nodes are alive (a heartbeat). Memory and Redis implementations sit beside this file, held to
// one contract (test/state/ownership.contract.ts).

export interface OwnershipHooks {
  /** This node may no longer serve the session: another node declared it dead (fencing). */
  lost(sid: string): void;
  /** The session's records vanished while its connection is still up (Redis lost its data): write them again. */
  missing(sid: string): Promise<void>;
}

export interface Ownership {
  readonly nodeId: string;
  /** Takes the lease of a session opened (or written back) on this node. */
  claim(sid: string): Promise<void>;
  /** Gives the lease up; a lease held by another node is left alone. */
  release(sid: string): Promise<void>;
  /** The node holding the session's lease; undefined once it has lapsed (the owner is gone). */
  ownerOf(sid: string): Promise<string | undefined>;
  /** Does the node's heartbeat still run? (False once it stopped, or lapsed with the node.) */
  isAlive(nodeId: string): Promise<boolean>;
  /** Starts the heartbeat and keeps the leases of `owned()` alive, one round every third of a lease. */
  start(owned: () => Iterable<string>, hooks: OwnershipHooks): void;
  /** Stops renewing and ends the heartbeat (the leases lapse on their own). */
  stop(): Promise<void>;
}

/** What both implementations decide for one owned session in a renewal round. */
export type RenewResult = 'renewed' | 'lost' | 'missing';

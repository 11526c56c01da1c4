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

/** A claim of a dead node's session (takeover): its sealed state, or why there is none to take. */
export type TakeoverClaim =
  | { result: 'claimed'; blob: string; h: number | undefined }
  /** the dead node's lease has not lapsed yet: try again */
  | { result: 'waiting' }
  /** another node holds it (alive, or a faster survivor) */
  | { result: 'taken' }
  /** ended, or not there */
  | { result: 'gone' }
  /** online with no owner and no takeover state (no resumable stream): it ends as before */
  | { result: 'no-state' };

/**
 * Multi-node takeover (src/session/takeover.ts), Redis only: which nodes died leaving sessions, and the
 * atomic claim of one of them, so that exactly one survivor takes each.
 */
export interface TakeoverLeases {
  /** Nodes whose heartbeat lapsed, with the sessions they held. */
  orphans(): Promise<Array<{ nodeId: string; sids: string[] }>>;
  /** Takes the lease of `sid` (held by dead `from`) if nobody holds it and it has takeover state. */
  claimTakeover(sid: string, from: string): Promise<TakeoverClaim>;
  /** Is any other node's heartbeat running? (A drain hands sessions over only then.) */
  othersAlive(): Promise<boolean>;
  /** Drain handover: gives the lease up but keeps the session in this node's list, for a survivor to claim. */
  handOff(sid: string): Promise<void>;
  /** Forgets `sid` in the list of dead `from` (claimed by someone, or ended). */
  forgetOrphan(from: string, sid: string): Promise<void>;
}

/** Does this ownership implement takeovers (the Redis one does)? */
export function hasTakeoverLeases(o: Ownership): o is Ownership & TakeoverLeases {
  return 'claimTakeover' in o && 'orphans' in o && 'forgetOrphan' in o;
}

/** What both implementations decide for one owned session in a renewal round. */
export type RenewResult = 'renewed' | 'lost' | 'missing';

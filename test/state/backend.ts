// What a contract suite runs against: nodes that share one backend (memory in one process, or one
// real redis-server), each a State as createState() builds it.
import type { State } from '../../src/state/index.js';

/** Small bounds so that counts, ages and leases can be watched lapse within a test. */
export const CONTRACT_CONFIG = { leaseMs: 750, eventBufferSize: 3, eventBufferAgeS: 0.4 };

export interface Backend {
  name: string;
  /** A node on a fresh backend shared by every node of the same `fresh()` round. */
  fresh(): Promise<{ node(nodeId: string): Promise<State> }>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let counter = 0;
/** A session id no other test uses (the Redis backend is shared by a whole file). */
export const newSid = () => `sid-${process.pid}-${Date.now().toString(36)}-${++counter}`;

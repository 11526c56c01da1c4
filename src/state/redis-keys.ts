// The Redis key layout (README, "Redis key layout"). Everything of one session shares the hash tag
// {sid}, so it lives in one slot of a Redis Cluster and one Lua script may touch all of it; the
// token and ticket indexes are keys of their own (looked up before the sid is known).
import { createHash } from 'node:crypto';

export const keys = {
  session: (sid: string) => `gw:{${sid}}:s`,
  owner: (sid: string) => `gw:{${sid}}:owner`,
  events: (sid: string) => `gw:{${sid}}:ev`,
  /** The session's takeover state, sealed by its worker (src/workers/takeover.ts); only with SESSION_KEY. */
  takeover: (sid: string) => `gw:{${sid}}:tk`,
  /** The sessions a node holds (a set): where a surviving node finds what a dead one left (takeover). */
  nodeSessions: (nodeId: string) => `gw:nodesids:${nodeId}`,
  /** Every node that holds or held sessions with takeover state (a set). */
  nodes: () => 'gw:nodes',
  /** Set of the hashes of the session's tickets: revoked with it (and kept ones expire with it). */
  tickets: (sid: string) => `gw:{${sid}}:tkt`,
  token: (hash: string) => `gw:tok:${hash}`,
  ticket: (hash: string) => `gw:tkt:${hash}`,
  node: (nodeId: string) => `gw:node:${nodeId}`,
  /** Written once per data set; its absence means Redis lost its data (or is new). */
  epoch: () => 'gw:{meta}:epoch',
  /** Present while owners are writing their sessions back into a new data set. */
  recovering: () => 'gw:{meta}:recovering',
  /**
   * One attempt counter (src/state/rate-limit.ts). The caller's key (an address or a JID) is hashed:
   * no JID in the key space, a fixed length, and a hash tag of its own for Redis Cluster.
   */
  rateLimit: (key: string) => `gw:rl:{${createHash('sha256').update(key).digest('base64url').slice(0, 22)}}`,
  eventChannel: (sid: string) => `gw:ev:{${sid}}`,
  /** Hash of the session's webhook registrations (id -> JSON), and one of their delivery progress. */
  webhooks: (sid: string) => `gw:{${sid}}:wh`,
  webhookProgress: (sid: string) => `gw:{${sid}}:whp`,
  /** The node delivering one webhook (a lease, like the session's owner). */
  webhookLease: (sid: string, id: string) => `gw:{${sid}}:whl:${id}`,
  /** Set of every stored webhook as `sid id`: where nodes look for webhooks nobody delivers. */
  webhookIndex: () => 'gw:wh:index',
  /** `sid id` of each removed webhook, for the node delivering it. */
  webhookRemovedChannel: () => 'gw:wh:removed',
  nodeChannel: (nodeId: string) => `gw:bus:${nodeId}`,
};

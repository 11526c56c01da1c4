// The webhook store seam (docs/api.md "Webhooks", "Several nodes"): registrations, each webhook's
// delivery progress (its cursor in the session's event log) and a delivery lease, shared by every
// node. Any node registers, lists and deletes; the node holding a webhook's lease delivers it, and
// another takes the lease over when that node stops renewing it, resuming from the shared cursor.
// Memory and Redis implementations sit beside this file, held to one contract
// (test/state/webhook-store.contract.ts).

export interface WebhookRegistration {
  id: string;
  sid: string;
  url: string;
  /** The event names it receives; absent: every event. */
  events?: string[];
  /** The signing secret: every node that may deliver must be able to sign (never listed, never logged). */
  secret: string;
  createdAt: number;
}

export interface WebhookProgress {
  /** Cursor of the last acknowledged (or filtered out) event; absent: nothing was logged at registration. */
  cursor?: string;
  /** The cursor a gap was last reported after (a log holding nothing newer would report it again). */
  gapReportedAt?: string;
  state: 'active' | 'failing';
  lastError?: string;
}

export interface StoredWebhook extends WebhookRegistration {
  progress: WebhookProgress;
}

/** What a renewal found: this node holds the lease, another does, or the webhook is not stored. */
export type HoldResult = 'held' | 'taken' | 'gone';

export interface WebhookStore {
  /**
   * Stores a new webhook with this node holding its lease for `leaseMs`, unless its session already
   * has `max` (then false, nothing stored).
   */
  add(webhook: StoredWebhook, max: number, leaseMs: number): Promise<boolean>;
  get(sid: string, id: string): Promise<StoredWebhook | undefined>;
  list(sid: string): Promise<StoredWebhook[]>;
  /** Deletes a webhook (its lease too) and tells every node; false if it was not stored. */
  remove(sid: string, id: string): Promise<boolean>;
  /** Every stored webhook, as (sid, id): what the nodes look through for webhooks nobody delivers. */
  all(): Promise<Array<{ sid: string; id: string }>>;
  /** Drops an entry of all() whose webhook is not stored (left by a crash between two writes). */
  forget(sid: string, id: string): Promise<void>;
  /** Takes the delivery lease for `leaseMs` if it is free or already this node's (then renews it). */
  hold(sid: string, id: string, leaseMs: number): Promise<HoldResult>;
  /** Gives the lease up (a lease of another node is left alone). */
  release(sid: string, id: string): Promise<void>;
  /** Writes progress only while this node holds the lease (false: it does not, nothing written). */
  saveProgress(sid: string, id: string, progress: WebhookProgress): Promise<boolean>;
  /**
   * Writes back a webhook this node delivers, with its lease, after the shared state lost it (a Redis
   * restarted without its data). Nothing is written over a webhook that is stored.
   */
  restore(webhook: StoredWebhook, leaseMs: number): Promise<void>;
  /** False while a miss cannot be believed (the shared state is being restored after a data loss). */
  trusted(): Promise<boolean>;
  /** Calls `listener` when any node removes a webhook; resolves once notices will arrive. */
  onRemoved(listener: (sid: string, id: string) => void): Promise<() => void>;
}

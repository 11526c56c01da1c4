// Webhooks of a single process: one table every node of the process shares (as nodes share Redis);
// leases lapse by the clock. Nothing is ever lost, so the store is always trusted.
import type { HoldResult, StoredWebhook, WebhookProgress, WebhookStore } from './webhook-store.js';

interface Entry {
  webhook: StoredWebhook;
  holder?: string;
  heldUntil: number;
}

export class WebhookTable {
  readonly bySession = new Map<string, Map<string, Entry>>();
  readonly removedListeners = new Set<(sid: string, id: string) => void>();
}

const copy = (w: StoredWebhook): StoredWebhook => structuredClone(w);

export class MemoryWebhookStore implements WebhookStore {
  private readonly now: () => number;

  constructor(
    private readonly nodeId: string,
    private readonly table: WebhookTable,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  private entry(sid: string, id: string): Entry | undefined {
    return this.table.bySession.get(sid)?.get(id);
  }

  async add(webhook: StoredWebhook, max: number, leaseMs: number): Promise<boolean> {
    const hooks = this.table.bySession.get(webhook.sid) ?? new Map<string, Entry>();
    if (hooks.size >= max || hooks.has(webhook.id)) return false;
    hooks.set(webhook.id, { webhook: copy(webhook), holder: this.nodeId, heldUntil: this.now() + leaseMs });
    this.table.bySession.set(webhook.sid, hooks);
    return true;
  }

  async get(sid: string, id: string): Promise<StoredWebhook | undefined> {
    const e = this.entry(sid, id);
    return e && copy(e.webhook);
  }

  async list(sid: string): Promise<StoredWebhook[]> {
    return [...(this.table.bySession.get(sid)?.values() ?? [])].map((e) => copy(e.webhook)).sort((a, b) => a.createdAt - b.createdAt);
  }

  async remove(sid: string, id: string): Promise<boolean> {
    const hooks = this.table.bySession.get(sid);
    if (!hooks?.delete(id)) return false;
    if (hooks.size === 0) this.table.bySession.delete(sid);
    for (const listener of this.table.removedListeners) listener(sid, id);
    return true;
  }

  async all(): Promise<Array<{ sid: string; id: string }>> {
    return [...this.table.bySession].flatMap(([sid, hooks]) => [...hooks.keys()].map((id) => ({ sid, id })));
  }

  /** The table has no separate index: nothing to drop. */
  async forget(): Promise<void> {}

  async hold(sid: string, id: string, leaseMs: number): Promise<HoldResult> {
    const e = this.entry(sid, id);
    if (!e) return 'gone';
    const at = this.now();
    if (e.holder !== undefined && e.holder !== this.nodeId && e.heldUntil > at) return 'taken';
    e.holder = this.nodeId;
    e.heldUntil = at + leaseMs;
    return 'held';
  }

  async release(sid: string, id: string): Promise<void> {
    const e = this.entry(sid, id);
    if (e?.holder === this.nodeId) {
      e.holder = undefined;
      e.heldUntil = 0;
    }
  }

  async saveProgress(sid: string, id: string, progress: WebhookProgress): Promise<boolean> {
    const e = this.entry(sid, id);
    if (!e || e.holder !== this.nodeId || e.heldUntil <= this.now()) return false;
    e.webhook.progress = structuredClone(progress);
    return true;
  }

  async restore(webhook: StoredWebhook, leaseMs: number): Promise<void> {
    await this.add(webhook, Infinity, leaseMs);
  }

  async trusted(): Promise<boolean> {
    return true;
  }

  async onRemoved(listener: (sid: string, id: string) => void): Promise<() => void> {
    this.table.removedListeners.add(listener);
    return () => this.table.removedListeners.delete(listener);
  }
}

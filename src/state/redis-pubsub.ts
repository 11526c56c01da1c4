// One subscriber connection per node, shared by every channel it follows (event channels of the
// sessions it streams, its own bus channel), with reference counting. Messages published while the
// connection was down are lost to it: after a reconnect, once every channel is subscribed again,
// each subscriber is told to catch up (`resync`) from what Redis kept.
import { guarded, type RedisClient } from './redis.js';

interface Subscriber {
  message(message: string): void;
  resync?(): void;
}

interface Channel {
  subscribers: Set<Subscriber>;
  /** Resolves once Redis confirmed the subscription: every caller waits for it (subscribe before read). */
  active: Promise<void>;
}

export class PubSub {
  private readonly channels = new Map<string, Channel>();
  private wasReady: boolean;

  constructor(private readonly sub: RedisClient) {
    this.wasReady = sub.status === 'ready';
    sub.on('message', (channel: string, message: string) => {
      for (const s of this.channels.get(channel)?.subscribers ?? []) s.message(message);
    });
    sub.on('ready', () => {
      if (!this.wasReady) {
        this.wasReady = true;
        return;
      }
      void this.resubscribed();
    });
  }

  private async resubscribed(): Promise<void> {
    const names = [...this.channels.keys()];
    // ioredis subscribes again by itself; this reply, queued after its own, says they are all active.
    if (names.length > 0) await this.sub.subscribe(...names).catch(() => undefined);
    for (const channel of this.channels.values()) for (const s of channel.subscribers) s.resync?.();
  }

  async subscribe(name: string, message: (message: string) => void, resync?: () => void): Promise<() => void> {
    const subscriber: Subscriber = { message, ...(resync && { resync }) };
    let channel = this.channels.get(name);
    if (!channel) {
      const created: Channel = { subscribers: new Set(), active: guarded(async () => void (await this.sub.subscribe(name))) };
      channel = created;
      this.channels.set(name, created);
      created.active.catch(() => {
        if (this.channels.get(name) === created) this.channels.delete(name);
      });
    }
    await channel.active;
    channel.subscribers.add(subscriber);
    return () => {
      const current = this.channels.get(name);
      if (!current || !current.subscribers.delete(subscriber)) return;
      if (current.subscribers.size === 0) {
        this.channels.delete(name);
        void this.sub.unsubscribe(name).catch(() => undefined);
      }
    };
  }
}

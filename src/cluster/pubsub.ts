// One subscriber connection per node, shared by every channel it follows (event channels of the
// sessions it streams, its own bus channel), with reference counting.
import type { RedisClient } from './redis.js';

type Handler = (message: string) => void;

export class PubSub {
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(private readonly sub: RedisClient) {
    sub.on('message', (channel: string, message: string) => {
      for (const h of this.handlers.get(channel) ?? []) h(message);
    });
  }

  async subscribe(channel: string, handler: Handler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      try {
        await this.sub.subscribe(channel);
      } catch (err) {
        this.handlers.delete(channel);
        throw err;
      }
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(channel);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(channel);
        void this.sub.unsubscribe(channel).catch(() => undefined);
      }
    };
  }
}

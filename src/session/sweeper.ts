// The sweeper: every few seconds, ends idle sessions, notices owners that died (for sessions streamed
// here), records ends that shared state could not take when they happened, and forgets what has
// outlived its retention.
import type { LocalSessions, SessionDeps } from './context.js';
import type { Relay } from './relay.js';
import type { Sessions } from './sessions.js';

export class Sweeper {
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: SessionDeps,
    private readonly local: LocalSessions,
    private readonly sessions: Sessions,
    private readonly relay: Relay,
  ) {
    this.now = deps.now ?? Date.now;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err) => this.deps.logger.error({ err }, 'sweep failed'))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweep(): Promise<void> {
    const now = this.now();
    const { store, ownership, log, config, logger } = this.deps;
    const dead = 'The node holding this session stopped';
    for (const sid of this.local.streams.keys()) {
      if (this.local.owned.has(sid)) continue;
      // A stream here on a session owned elsewhere: keep it from idling, and notice a dead owner.
      await store.touch(sid, now).catch(() => undefined);
      const record = await store.get(sid).catch(() => undefined);
      // With takeovers the survivors' scan decides (takeover.ts): taken over, or ended there.
      if (this.deps.takeover) continue;
      if (record?.state === 'online' && (await ownership.ownerOf(sid).catch(() => 'unknown')) === undefined) {
        await this.sessions.declareDead(sid, dead).catch(() => undefined);
      }
    }
    for (const [sid, reason] of this.local.unrecorded) await this.sessions.declareDead(sid, reason).catch(() => undefined);
    for (const [sid, owned] of this.local.owned) {
      // However attended (a stream, a webhook, a push subscription), a session ends at SESSION_MAX_LIFETIME_S.
      if (config.sessionMaxLifetimeS > 0 && now - owned.createdAt > config.sessionMaxLifetimeS * 1000) {
        await this.sessions.endHere(sid, 'lifetime').catch((err) => logger.error({ err, sid }, 'lifetime logout failed'));
        continue;
      }
      if (this.local.streams.has(sid)) continue;
      const shared = await store.get(sid).catch(() => undefined);
      const lastActive = Math.max(owned.lastActive, shared?.lastActive ?? 0);
      if (now - lastActive > config.idleTimeoutS * 1000) {
        await this.sessions.endHere(sid, 'idle').catch((err) => logger.error({ err, sid }, 'idle logout failed'));
      }
    }
    this.relay.expire(now);
    for (const [sid, at] of this.local.retired) {
      if (now - at > config.eventBufferAgeS * 1000) {
        this.local.retired.delete(sid);
        await log.drop(sid).catch(() => undefined);
      }
    }
  }
}

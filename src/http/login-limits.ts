// Limits on guessing (README "Security"): login, anonymous login and sessionless account creation
// count their attempts per client address, and their failures per client address and per target
// (bare JID, or the domain of an anonymous login), in counters every node shares
// (src/state/rate-limit.ts). An attempt over a limit is answered 429 with Retry-After before
// anything reaches the XMPP server.
import type { FastifyReply } from 'fastify';
import type { Config } from '../config.js';
import { errors, GatewayError, isGatewayErrorLike } from '../errors.js';
import type { RateLimitStore } from '../state/rate-limit.js';
import { sendGatewayError } from './errors.js';

export const RATE_WINDOW_MS = 60_000;
export const FAILURE_WINDOW_MS = 15 * 60_000;

export type LimitsConfig = Pick<Config, 'loginRatePerAddress' | 'loginFailuresPerAddress' | 'loginFailuresPerJid'>;

/** A 429: too many attempts of `kind`, with the seconds until the limit lets the next one through. */
function tooMany(retryAfterS: number, kind: Kind): GatewayError {
  return errors.tooManyAttempts(kind === 'register' ? 'account-creation' : 'login', retryAfterS);
}

/** The outcome of a counted attempt: its error (undefined on success). */
/** What is counted: each kind has its own per-target counters. */
export type Kind = 'login' | 'anonymous' | 'register';

export type Outcome = (error: unknown) => Promise<void>;

/** Does an outcome count as a failed guess? The client's own mistakes (4xx) do; the XMPP server's absence (5xx) does not. */
function isFailure(error: unknown): boolean {
  if (error === undefined) return false;
  const status = isGatewayErrorLike(error) ? error.status : 500;
  return status >= 400 && status < 500 && status !== 429;
}

export class LoginLimits {
  constructor(
    private readonly store: RateLimitStore,
    private readonly config: LimitsConfig,
  ) {}

  /**
   * Counts an attempt of `address` on `target`; rejects with a 429 over a limit. Failures
   * are counted in advance (so that concurrent guesses on any node cannot all slip past a limit)
   * and taken back by the returned Outcome when the attempt did not fail.
   */
  async begin(kind: Kind, address: string, target: string): Promise<Outcome> {
    const { loginRatePerAddress, loginFailuresPerAddress, loginFailuresPerJid } = this.config;
    if (loginRatePerAddress > 0) {
      const rate = await this.store.hit(`rate:${address}`, RATE_WINDOW_MS);
      if (rate.count > loginRatePerAddress) throw tooMany(seconds(rate.resetMs), kind);
    }
    const failureKeys: string[] = [];
    let over = 0;
    const count = async (key: string, limit: number) => {
      if (limit <= 0) return;
      const c = await this.store.hit(key, FAILURE_WINDOW_MS);
      failureKeys.push(key);
      if (c.count > limit) over = Math.max(over, c.resetMs);
    };
    await count(`fail:${address}`, loginFailuresPerAddress);
    await count(`fail:${kind}:${target.toLowerCase()}`, loginFailuresPerJid);
    const undo = () => Promise.all(failureKeys.map((k) => this.store.undo(k))).then(() => undefined);
    if (over > 0) {
      // Refused here, so not a failed guess: only attempts that reached the server count.
      await undo();
      throw tooMany(seconds(over), kind);
    }
    return async (error) => {
      if (!isFailure(error)) await undo().catch(() => undefined);
    };
  }

  /** Runs `attempt` under the limits; a 429 is sent with its Retry-After. */
  async run<T>(reply: FastifyReply, kind: Kind, address: string, target: string, attempt: () => Promise<T>): Promise<T | FastifyReply> {
    let outcome: Outcome;
    try {
      outcome = await this.begin(kind, address, target);
    } catch (err) {
      if (err instanceof GatewayError && err.status === 429) return sendGatewayError(reply, err);
      throw err;
    }
    try {
      const result = await attempt();
      await outcome(undefined);
      return result;
    } catch (err) {
      await outcome(err);
      throw err;
    }
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

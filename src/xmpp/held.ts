// Incoming requests that wait for the client's answer (docs/api.md §4): an RPC call, an HTTP-auth
// confirmation, a disco#info query for the client's own caps… Each is held until the client answers
// with the action the event names, or, after a timeout, answered by the gateway with an error,
// never left in silence.
import type { Element } from 'ltx';
import { bareJid } from './jid.js';
import { iqErrorReply } from './stanza-error.js';

export interface HeldRequest {
  stanza: Element;
  timer: NodeJS.Timeout;
}

/** What the gateway sends on timeout; default for IQs: `wait`/`recipient-unavailable`. */
export type TimeoutReply = (stanza: Element) => Element | undefined;

const defaultTimeoutReply: TimeoutReply = (stanza) =>
  stanza.name === 'iq' ? iqErrorReply(stanza, 'wait', 'recipient-unavailable', 'The client did not answer in time') : undefined;

export class HeldRequests {
  private readonly held = new Map<string, HeldRequest>();

  constructor(
    private readonly send: (stanza: Element) => void,
    private readonly timeoutMs: number,
    private readonly maxHeld = 1000,
  ) {}

  private static key(kind: string, from: string, id: string): string {
    return `${kind}\u0000${from.toLowerCase()}\u0000${id}`;
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * Holds a request of a kind (the area that will answer it: 'rpc', 'disco#info', …); returns false
   * (and answers at once) when too many are already waiting.
   */
  hold(kind: string, stanza: Element, onTimeout: TimeoutReply = defaultTimeoutReply): boolean {
    const from = stanza.attrs.from ?? '';
    const id = stanza.attrs.id ?? '';
    const key = HeldRequests.key(kind, from, id);
    if (this.held.size >= this.maxHeld || this.held.has(key)) {
      if (stanza.name === 'iq') this.send(iqErrorReply(stanza, 'wait', 'resource-constraint'));
      return false;
    }
    const timer = setTimeout(() => {
      this.held.delete(key);
      const reply = onTimeout(stanza);
      if (reply) this.send(reply);
    }, this.timeoutMs);
    // The worker's message port keeps its thread alive; a held request alone must not.
    timer.unref?.();
    this.held.set(key, { stanza, timer });
    return true;
  }

  /**
   * Takes the held request of that kind that `to` + `id` answers. `to` may be the requester's full
   * JID or, when unambiguous, its bare JID. Returns undefined when nothing matching is waiting.
   */
  release(kind: string, to: string, id: string): Element | undefined {
    let key = HeldRequests.key(kind, to, id);
    let entry = this.held.get(key);
    if (!entry) {
      // Only a bare JID may stand for the requester's full JID, and only when one request matches.
      if (to.includes('/')) return undefined;
      const bare = bareJid(to);
      const matches = [...this.held.entries()].filter(
        ([k, h]) => k.startsWith(`${kind}\u0000`) && k.endsWith(`\u0000${id}`) && bareJid(h.stanza.attrs.from ?? '') === bare,
      );
      if (matches.length !== 1) return undefined;
      [key, entry] = matches[0]!;
    }
    clearTimeout(entry.timer);
    this.held.delete(key);
    return entry.stanza;
  }

  clear(): void {
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
  }
}

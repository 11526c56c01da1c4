// Outgoing IQ requests: unique id, a timeout, and a responder check:
// a reply is accepted only from the addressee, or, when we addressed nobody, from our own
// account or server. A spoofed reply is ignored and the request keeps waiting.
import type { Element } from 'ltx';
import { errors } from '../errors.js';
import { bareJid, domainOf } from './jid.js';
import { parseStanzaError } from './stanza-error.js';

interface Pending {
  allowed: Set<string>;
  resolve: (el: Element) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class IqTracker {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly ownJid: () => string) {}

  get size(): number {
    return this.pending.size;
  }

  allowedResponders(to: string | undefined): Set<string> {
    const own = this.ownJid();
    if (to !== undefined && to !== '') return new Set([to.toLowerCase(), ...(bareJid(to) === bareJid(own) ? [''] : [])]);
    // No 'to' means our own account handles it: bare JID, full JID, domain, or no 'from' at all.
    return new Set(['', bareJid(own), own.toLowerCase(), domainOf(own)]);
  }

  /** Registers a request; `send` is called once the id is tracked. Rejects with a GatewayError. */
  track(stanza: Element, timeoutMs: number, send: () => void): Promise<Element> {
    const id = stanza.attrs.id;
    if (id === undefined) throw new Error('IQ request without id');
    return new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(errors.timeout());
      }, timeoutMs);
      this.pending.set(id, { allowed: this.allowedResponders(stanza.attrs.to), resolve, reject, timer });
      try {
        send();
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Handles an iq result/error; returns false when it answers nothing we asked (or is spoofed). */
  handle(stanza: Element): boolean {
    const id = stanza.attrs.id;
    if (id === undefined) return false;
    const entry = this.pending.get(id);
    if (!entry) return false;
    const from = (stanza.attrs.from ?? '').toLowerCase();
    if (!entry.allowed.has(from)) return false;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (stanza.attrs.type === 'error') entry.reject(withErrorReply(errors.fromStanzaError(parseStanzaError(stanza)), stanza));
    else entry.resolve(stanza);
    return true;
  }

  rejectAll(err: Error): void {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(err);
      this.pending.delete(id);
    }
  }
}

// Some areas read more of an error reply than <error/> (XEP-0077 returns its form beside it). The
// reply rides on the rejection under a symbol: it stays in the worker, only { status, body } crosses.
const ERROR_REPLY = Symbol('errorReply');

function withErrorReply(err: Error, stanza: Element): Error {
  Object.defineProperty(err, ERROR_REPLY, { value: stanza });
  return err;
}

/** The IQ error stanza a request made with IqTracker was rejected with, if that is what `err` is. */
export function errorReplyOf(err: unknown): Element | undefined {
  return typeof err === 'object' && err !== null ? ((err as Record<symbol, unknown>)[ERROR_REPLY] as Element | undefined) : undefined;
}

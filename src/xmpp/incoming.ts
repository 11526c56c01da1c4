// What happens to every stanza a session receives; shared by the worker session and the golden
// tests so both exercise the same path.
import type { Element } from 'ltx';
import type { XmppContext } from './context.js';
import type { Dispatcher } from './dispatch.js';
import { bareJid } from './jid.js';
import { iqErrorReply } from './stanza-error.js';

const isRequest = (s: Element) => s.name === 'iq' && (s.attrs.type === 'get' || s.attrs.type === 'set');

const PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';

/** How many (from, id) pairs of pubsub#event messages a session remembers, and for how long. */
export const EVENT_DEDUPE = { size: 64, ms: 30_000 } as const;

/**
 * The recent pubsub#event messages of one session, by sender and stanza id: the same notification
 * delivered twice (Prosody 0.12's mod_pep sends one to the bare and one to the full JID, with the
 * same id: docs/differences.md) reaches the session's areas once. Bounded by count and age.
 */
export class RecentEventIds {
  /** key → when it was seen; a Map keeps insertion order, so the oldest entry is the first. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly size: number = EVENT_DEDUPE.size,
    private readonly ms: number = EVENT_DEDUPE.ms,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records (from, id); true when the pair was already seen within the window. */
  repeated(from: string, id: string): boolean {
    const now = this.now();
    for (const [key, at] of this.seen) {
      if (now - at < this.ms && this.seen.size < this.size) break;
      this.seen.delete(key);
    }
    const key = `${from}\u0000${id}`;
    if (this.seen.has(key)) return true;
    this.seen.set(key, now);
    return false;
  }
}

/** The per-session state key of the window (XmppContext.state), not an area's. */
const RECENT_EVENTS = 'xmpp.incoming.recent-events';

/** A pubsub#event message with an id already received by this session within the window. */
function duplicateEvent(ctx: XmppContext, stanza: Element): boolean {
  if (stanza.name !== 'message' || stanza.attrs.type === 'error') return false;
  const id = stanza.attrs.id;
  if (!id || !stanza.getChild('event', PUBSUB_EVENT)) return false;
  return ctx.state(RECENT_EVENTS, () => new RecentEventIds()).repeated(String(stanza.attrs.from), id);
}

/**
 * Dispatches a received stanza. IQ results and errors reach it only when no request of the session
 * waits for them (the IQ tracker takes those first). What no area claims goes to the UNCLAIMED
 * handlers (src/xmpp/dispatch.ts), after an IQ request has had its error reply. A pubsub#event
 * message repeated with the same sender and id is dropped here, once for every area claiming it.
 */
export function receiveStanza(dispatcher: Dispatcher<XmppContext>, ctx: XmppContext, stanza: Element): void {
  // RFC 6120 §8.1.2.1: a message or presence without 'from' comes from our own account.
  if (stanza.name !== 'iq' && stanza.attrs.from === undefined) stanza.attrs.from = bareJid(ctx.jid);
  try {
    if (duplicateEvent(ctx, stanza)) return;
    const handled = dispatcher.dispatch(ctx, stanza);
    // RFC 6120 §8.4: an IQ request nobody handles gets service-unavailable, never silence.
    if (!handled && isRequest(stanza)) ctx.send(iqErrorReply(stanza, 'cancel', 'service-unavailable'));
    if (!handled) dispatcher.dispatchUnclaimed(ctx, stanza);
  } catch (err) {
    // A malformed stanza must not take the session (or the worker) down.
    if (isRequest(stanza)) ctx.send(iqErrorReply(stanza, 'cancel', 'internal-server-error'));
    ctx.emit('xmpp.gateway.warning', { condition: 'stanza-handling-failed', description: String(err) });
  }
}

// What happens to every stanza a session receives; shared by the worker session and the golden
// tests so both exercise the same path.
import type { Element } from 'ltx';
import type { XmppContext } from './context.js';
import type { Dispatcher } from './dispatch.js';
import { bareJid } from './jid.js';
import { iqErrorReply } from './stanza-error.js';

const isRequest = (s: Element) => s.name === 'iq' && (s.attrs.type === 'get' || s.attrs.type === 'set');

/**
 * Dispatches a received stanza. IQ results and errors reach it only when no request of the session
 * waits for them (the IQ tracker takes those first). What no area claims goes to the UNCLAIMED
 * handlers (src/xmpp/dispatch.ts), after an IQ request has had its error reply.
 */
export function receiveStanza(dispatcher: Dispatcher<XmppContext>, ctx: XmppContext, stanza: Element): void {
  // RFC 6120 §8.1.2.1: a message or presence without 'from' comes from our own account.
  if (stanza.name !== 'iq' && stanza.attrs.from === undefined) stanza.attrs.from = bareJid(ctx.jid);
  try {
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

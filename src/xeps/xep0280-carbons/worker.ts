import type { Element } from 'ltx';
import type { XmppContext } from '../../xmpp/context.js';
import { iqOk } from '../../xmpp/iq-action.js';
import { bareJid, jidFromWire } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { defineWorker } from '../area.js';
import { isChatMessage, parseChatMessage, parseReaction, parseReceipt, parseRetract, withTrustedArchived } from '../core-chat/mapping.js';
import { api } from './api.js';
import { type CarbonKind, disable, enable, forwardedMessage } from './mapping.js';

/**
 * Emits what chat would make of the forwarded message, marked as a carbon. Returns true in every
 * case: a carbon is never a message of its own, and one that is not genuine is dropped whole.
 */
function unwrap(ctx: XmppContext, stanza: Element, kind: CarbonKind): true {
  // XEP-0280 §11: only the account itself (its server, from the bare JID) sends carbons; anyone
  // else could forge messages "from" any contact this way.
  if (bareJid(stanza.attrs.from ?? '') !== ctx.bareJid || stanza.attrs.from?.includes('/')) return true;
  const inner = forwardedMessage(stanza, kind);
  if (!inner) return true;
  // The forwarded copy is the account's own message when it names no sender (RFC 6120 §8.1.2.1).
  inner.attrs.from ??= ctx.bareJid;
  const to = kind === 'sent' ? jidFromWire(inner.attrs.to) : undefined;
  const receipt = parseReceipt(inner);
  if (receipt) ctx.emit('xmpp.chat.receipt', { from: receipt.from, ...(to && { to }), id: receipt.id, carbon: kind });
  // Reactions (XEP-0444) and retractions (XEP-0424) of one-to-one chat, as chat emits live ones; a body
  // beside them is their XEP-0428 fallback, not a message. A copied groupchat stanza is left alone (rooms: the MUC area).
  const oneToOne = inner.attrs.type !== 'groupchat' && inner.attrs.type !== 'error';
  const reaction = oneToOne ? parseReaction(inner) : undefined;
  const retract = oneToOne && !reaction ? parseRetract(inner) : undefined;
  if (reaction) {
    ctx.emit('xmpp.chat.reaction', {
      from: reaction.from,
      ...(to && { to }),
      id: reaction.id,
      reactions: reaction.reactions,
      carbon: kind,
    });
  } else if (retract) {
    ctx.emit('xmpp.chat.retract', { from: retract.from, ...(to && { to }), id: retract.id, carbon: kind });
  } else if (isChatMessage(inner)) {
    // Archive ids inside the copy count only when the own archive added them, as for live messages.
    const { from, ...rest } = withTrustedArchived(parseChatMessage(inner), ctx.bareJid);
    ctx.emit('xmpp.chat.message', { from, ...(to && { to }), ...rest, carbon: kind });
  }
  return true;
}

// No 'to': the own server turns carbons on or off for this session.
export const worker = defineWorker(api, {
  actions: {
    'carbons.enable': iqOk({ type: 'set', payload: () => enable.build({}) }),
    'carbons.disable': iqOk({ type: 'set', payload: () => disable.build({}) }),
  },
  incoming: [
    { key: `message/${NS.carbons}:received`, handle: (ctx, stanza) => unwrap(ctx, stanza, 'received') },
    { key: `message/${NS.carbons}:sent`, handle: (ctx, stanza) => unwrap(ctx, stanza, 'sent') },
  ],
});

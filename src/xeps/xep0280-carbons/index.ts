// XEP-0280 Message Carbons 1.0.1 (https://xmpp.org/extensions/xep-0280.html), with XEP-0297
// Stanza Forwarding 1.0: copies of the messages the account's other resources receive and send,
// delivered as xmpp.chat.message / xmpp.chat.receipt with `carbon`. Beyond XMPP-FTW (catalogue §4).
import type { Element } from 'ltx';
import { Ok } from '../../schemas.js';
import { bareJid, jidFromWire } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { isChatMessage, parseChatMessage, parseReceipt } from '../core-chat/mapping.js';
import { action, type XmppContext, type XepModule } from '../types.js';
import { type CarbonKind, carbonsRequest, forwardedMessage } from './mapping.js';
import { CarbonsBody } from './schema.js';

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
  if (isChatMessage(inner)) {
    const { from, ...rest } = parseChatMessage(inner);
    ctx.emit('xmpp.chat.message', { from, ...(to && { to }), ...rest, carbon: kind });
  }
  return true;
}

export const carbons: XepModule = {
  id: 'xep0280-carbons',
  tag: 'carbons',
  spec: 'XEP-0280 1.0.1, XEP-0297 1.0',
  actions: [
    action({
      name: 'carbons.enable',
      beyondXmppFtw: true,
      summary: 'Receive copies of the messages your other resources send and receive (XEP-0280, beyond XMPP-FTW)',
      description:
        'Copies arrive as `xmpp.chat.message` / `xmpp.chat.receipt` with `carbon: "received"` or `"sent"` (sent copies also carry `to`). ' +
        'A server without carbons answers 501 or 503.',
      body: CarbonsBody,
      response: Ok,
      errorStatuses: [403, 405, 501],
      async handler(ctx) {
        await ctx.iq(carbonsRequest(true, ctx.newId()));
        return { ok: true as const };
      },
    }),
    action({
      name: 'carbons.disable',
      beyondXmppFtw: true,
      summary: 'Stop receiving carbon copies (XEP-0280, beyond XMPP-FTW)',
      body: CarbonsBody,
      response: Ok,
      errorStatuses: [403, 405, 501],
      async handler(ctx) {
        await ctx.iq(carbonsRequest(false, ctx.newId()));
        return { ok: true as const };
      },
    }),
  ],
  incoming: [
    { key: `message/${NS.carbons}:received`, handle: (ctx, stanza) => unwrap(ctx, stanza, 'received') },
    { key: `message/${NS.carbons}:sent`, handle: (ctx, stanza) => unwrap(ctx, stanza, 'sent') },
  ],
};

import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { CHAT_MARKERS, NS } from '../../xmpp/ns.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { bareJid, domainOf } from '../../xmpp/jid.js';
import {
  buildChatMessage,
  buildMarker,
  buildReaction,
  buildRetract,
  hasChatPayload,
  isChatMessage,
  parseChatError,
  parseChatMessage,
  parseMarker,
  parseReaction,
  parseReceipt,
  parseRetract,
  receiptRequest,
  withTrustedArchived,
} from './mapping.js';

/** How many sent message ids a session remembers, to match the errors that answer them. */
export const SENT_REMEMBERED = 256;

/** Per session: the ids of the latest messages sent, with their addressee (oldest first). */
interface ChatState {
  sent: Array<[id: string, to: string]>;
}
const chatState = (ctx: XmppContext) => ctx.state<ChatState>(api.id, () => ({ sent: [] }));

function sendRemembered(ctx: XmppContext, to: string, stanza: Element): void {
  const { sent } = chatState(ctx);
  sent.push([String(stanza.attrs.id), to]);
  if (sent.length > SENT_REMEMBERED) sent.splice(0, sent.length - SENT_REMEMBERED);
  ctx.send(stanza);
}

/**
 * An error answering one of our messages: the id must be one we sent, and the error must come from
 * its addressee (the account, or its server: RFC 6120 §8.3.1), so nobody else can fake a bounce.
 */
function chatError(ctx: XmppContext, stanza: Element): boolean {
  const id = stanza.attrs.id;
  const from = stanza.attrs.from;
  if (id === undefined || from === undefined) return false;
  const { sent } = chatState(ctx);
  const at = sent.findIndex(([sentId, to]) => {
    if (sentId !== id) return false;
    const sender = from.toLowerCase();
    const addressee = to.toLowerCase();
    return bareJid(sender) === bareJid(addressee) || sender === domainOf(addressee);
  });
  const event = at >= 0 ? parseChatError(stanza) : undefined;
  if (!event) return false;
  sent.splice(at, 1);
  ctx.emit('xmpp.chat.error', event);
  return true;
}

/** Reactions, retractions and markers of one-to-one chat; room traffic (groupchat) goes to the MUC area. */
function oneToOne(stanza: Element): boolean {
  return stanza.attrs.type !== 'groupchat' && stanza.attrs.type !== 'error';
}

function emitChat(ctx: XmppContext, stanza: Element): boolean {
  if (!isChatMessage(stanza)) return false;
  ctx.emit('xmpp.chat.message', withTrustedArchived(parseChatMessage(stanza), ctx.bareJid));
  return true;
}

export const worker = defineWorker(api, {
  actions: {
    async 'chat.message'(ctx, body) {
      if (body.replace !== undefined && body.content === undefined) throw errors.clientError("Missing 'content' key", body);
      if (body.content === undefined && body.state === undefined && body.oob === undefined) {
        throw errors.clientError('Message content or chat state not provided', body);
      }
      if (body.reply !== undefined && body.content === undefined) throw errors.clientError("Missing 'content' key", body);
      const id = ctx.newId();
      sendRemembered(ctx, body.to, buildChatMessage('chat', body.to, id, body));
      return { id };
    },
    async 'chat.receipt'(ctx, body) {
      const id = ctx.newId();
      sendRemembered(ctx, body.to, receiptRequest.build({ to: body.to, id, received: body.id, originId: id }));
      return {};
    },
    async 'chat.reaction'(ctx, body) {
      const id = ctx.newId();
      sendRemembered(ctx, body.to, buildReaction(body.to, id, body.id, body.reactions));
      return { id };
    },
    async 'chat.retract'(ctx, body) {
      const id = ctx.newId();
      sendRemembered(ctx, body.to, buildRetract(body.to, id, body.id));
      return { id };
    },
    async 'chat.marker'(ctx, body) {
      const id = ctx.newId();
      sendRemembered(ctx, body.to, buildMarker(body.to, id, body.id, body.marker));
      return { id };
    },
  },
  incoming: [
    {
      // A receipt in any message type; a receipt-only message produces only the receipt event.
      key: `message/${NS.receipts}:received`,
      handle(ctx, stanza) {
        const receipt = parseReceipt(stanza);
        if (receipt) ctx.emit('xmpp.chat.receipt', receipt);
        return !hasChatPayload(stanza) || (stanza.attrs.type !== undefined && stanza.attrs.type !== 'chat');
      },
    },
    {
      key: `message/${NS.reactions}:reactions`,
      handle(ctx, stanza) {
        const reaction = oneToOne(stanza) ? parseReaction(stanza) : undefined;
        if (!reaction) return false;
        ctx.emit('xmpp.chat.reaction', reaction);
        return true;
      },
    },
    {
      // The retraction's body is its XEP-0428 fallback: no xmpp.chat.message for it.
      key: `message/${NS.retract}:retract`,
      handle(ctx, stanza) {
        const retract = oneToOne(stanza) ? parseRetract(stanza) : undefined;
        if (!retract) return false;
        ctx.emit('xmpp.chat.retract', retract);
        return true;
      },
    },
    ...CHAT_MARKERS.map((name) => ({
      key: `message/${NS.markers}:${name}`,
      handle(ctx: XmppContext, stanza: Element) {
        const marker = oneToOne(stanza) ? parseMarker(stanza) : undefined;
        if (!marker) return false;
        ctx.emit('xmpp.chat.marker', marker);
        // A marker riding on a message with content leaves the message to type:chat.
        return !hasChatPayload(stanza);
      },
    })),
    // Rooms (priority 10) claim the errors from rooms first; anything else not ours goes on to xmpp.wtf.push.
    { key: 'message/type:error', handle: chatError },
    { key: 'message/type:chat', handle: emitChat },
    // XMPP-FTW treated a message without type (= normal) as chat.
    { key: 'message/type:normal', handle: emitChat },
  ],
});

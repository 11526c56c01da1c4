// Chat — RFC 6121 §5 messages, with XEP-0085 chat states (2.1), XEP-0184 receipts (1.4),
// XEP-0308 last message correction (1.2), XEP-0203 delay (2.0), XEP-0071 XHTML-IM (1.5).
// XMPP-FTW: lib/chat.js (catalogue §4).
import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import { Empty } from '../../schemas.js';
import { NS } from '../../xmpp/ns.js';
import { action, type XmppContext, type XepModule } from '../types.js';
import { buildChatMessage, hasChatPayload, isChatMessage, parseChatMessage, parseReceipt, receiptRequest } from './mapping.js';
import { ChatMessageBody, ChatMessageEvent, ChatMessageResult, ChatReceiptBody, ChatReceiptEvent } from './schema.js';

export const chat: XepModule = {
  id: 'core-chat',
  tag: 'chat',
  spec: 'RFC 6121 §5; XEP-0085 2.1, XEP-0184 1.4, XEP-0308 1.2, XEP-0203 2.0, XEP-0071 1.5',
  features: [NS.chatstates, NS.receipts, NS.correct, NS.xhtmlIm],
  actions: [
    action({
      name: 'chat.message',
      summary: 'Send a chat message (XEP-0085 state, XEP-0184 receipt request, XEP-0308 correction, XEP-0071 XHTML)',
      body: ChatMessageBody,
      response: ChatMessageResult,
      async handler(ctx, body) {
        if (body.replace !== undefined && body.content === undefined) throw errors.clientError("Missing 'content' key", body);
        if (body.content === undefined && body.state === undefined) {
          throw errors.clientError('Message content or chat state not provided', body);
        }
        const id = ctx.newId();
        const stanza = buildChatMessage('chat', body.to, id, body);
        ctx.send(stanza);
        return { id };
      },
    }),
    action({
      name: 'chat.receipt',
      summary: 'Acknowledge a received message (XEP-0184)',
      body: ChatReceiptBody,
      response: Empty,
      async handler(ctx, body) {
        ctx.send(receiptRequest.build({ to: body.to, id: ctx.newId(), received: body.id }));
        return {};
      },
    }),
  ],
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
    { key: 'message/type:chat', handle: (ctx, stanza) => emitChat(ctx, stanza) },
    // XMPP-FTW treated a message without type (= normal) as chat.
    { key: 'message/type:normal', handle: (ctx, stanza) => emitChat(ctx, stanza) },
  ],
  events: [
    {
      name: 'xmpp.chat.message',
      summary: 'A chat message, chat state or correction from another entity; with `carbon`, a XEP-0280 copy (see carbons/enable)',
      schema: ChatMessageEvent,
    },
    { name: 'xmpp.chat.receipt', summary: 'A XEP-0184 delivery receipt; with `carbon`, a XEP-0280 copy', schema: ChatReceiptEvent },
  ],
};

function emitChat(ctx: XmppContext, stanza: Element): boolean {
  if (!isChatMessage(stanza)) return false;
  ctx.emit('xmpp.chat.message', parseChatMessage(stanza));
  return true;
}

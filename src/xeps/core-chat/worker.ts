import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { NS } from '../../xmpp/ns.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import {
  buildChatMessage,
  hasChatPayload,
  isChatMessage,
  parseChatMessage,
  parseReceipt,
  receiptRequest,
  withTrustedArchived,
} from './mapping.js';

function emitChat(ctx: XmppContext, stanza: Element): boolean {
  if (!isChatMessage(stanza)) return false;
  ctx.emit('xmpp.chat.message', withTrustedArchived(parseChatMessage(stanza), ctx.bareJid));
  return true;
}

export const worker = defineWorker(api, {
  actions: {
    async 'chat.message'(ctx, body) {
      if (body.replace !== undefined && body.content === undefined) throw errors.clientError("Missing 'content' key", body);
      if (body.content === undefined && body.state === undefined) {
        throw errors.clientError('Message content or chat state not provided', body);
      }
      const id = ctx.newId();
      ctx.send(buildChatMessage('chat', body.to, id, body));
      return { id };
    },
    async 'chat.receipt'(ctx, body) {
      ctx.send(receiptRequest.build({ to: body.to, id: ctx.newId(), received: body.id }));
      return {};
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
    { key: 'message/type:chat', handle: emitChat },
    // XMPP-FTW treated a message without type (= normal) as chat.
    { key: 'message/type:normal', handle: emitChat },
  ],
});

import { Empty } from '../../schemas/common.js';
import { NS } from '../../xmpp/ns.js';
import { defineApi } from '../area.js';
import { ChatMessageBody, ChatMessageEvent, ChatMessageResult, ChatReceiptBody, ChatReceiptEvent } from './schema.js';

export const api = defineApi({
  id: 'core-chat',
  tag: 'chat',
  spec: 'RFC 6121 §5; XEP-0085 2.1, XEP-0184 1.4, XEP-0308 1.2, XEP-0203 2.0, XEP-0071 1.5',
  features: [NS.chatstates, NS.receipts, NS.correct, NS.xhtmlIm],
  actions: {
    'chat.message': {
      summary: 'Send a chat message (XEP-0085 state, XEP-0184 receipt request, XEP-0308 correction, XEP-0071 XHTML)',
      body: ChatMessageBody,
      response: ChatMessageResult,
    },
    'chat.receipt': {
      summary: 'Acknowledge a received message (XEP-0184)',
      body: ChatReceiptBody,
      response: Empty,
    },
  },
  events: {
    'xmpp.chat.message': {
      summary: 'A chat message, chat state or correction from another entity; with `carbon`, a XEP-0280 copy (see carbons/enable)',
      schema: ChatMessageEvent,
    },
    'xmpp.chat.receipt': { summary: 'A XEP-0184 delivery receipt; with `carbon`, a XEP-0280 copy', schema: ChatReceiptEvent },
  },
});

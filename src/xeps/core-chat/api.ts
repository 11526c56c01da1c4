import { Empty } from '../../schemas/common.js';
import { NS } from '../../xmpp/ns.js';
import { defineApi } from '../area.js';
import {
  ChatErrorEvent,
  ChatMarkerBody,
  ChatMarkerEvent,
  ChatMessageBody,
  ChatMessageEvent,
  ChatMessageResult,
  ChatReactionBody,
  ChatReactionEvent,
  ChatReceiptBody,
  ChatReceiptEvent,
  ChatRetractBody,
  ChatRetractEvent,
  ChatSentResult,
} from './schema.js';

export const api = defineApi({
  id: 'core-chat',
  tag: 'chat',
  spec:
    'RFC 6121 §5; XEP-0085 2.1, XEP-0184 1.4, XEP-0308 1.2, XEP-0203 2.0, XEP-0071 1.5; ' +
    'gateway additions: XEP-0444 0.1, XEP-0424 0.4, XEP-0461 0.2, XEP-0428 0.2, XEP-0333 0.4, XEP-0334 0.3, XEP-0359 0.7',
  features: [NS.chatstates, NS.receipts, NS.correct, NS.xhtmlIm, NS.reactions, NS.retract, NS.reply, NS.markers, NS.stanzaId],
  actions: {
    'chat.message': {
      summary: 'Send a chat message (XEP-0085 state, XEP-0184 receipt request, XEP-0308 correction, XEP-0071 XHTML)',
      description:
        'Gateway additions: `reply` (XEP-0461, with an optional XEP-0428 quote fallback), `markable` (XEP-0333) and ' +
        '`hints` (XEP-0334). Every message the gateway sends carries a XEP-0359 origin-id equal to its `id`.',
      body: ChatMessageBody,
      response: ChatMessageResult,
    },
    'chat.reaction': {
      beyondXmppFtw: true,
      summary: 'React to a message (XEP-0444): the full list of your reactions to it; empty removes them',
      body: ChatReactionBody,
      response: ChatSentResult,
    },
    'chat.retract': {
      beyondXmppFtw: true,
      summary: 'Retract a message you sent (XEP-0424, urn:xmpp:message-retract:1), with its fallback body and a store hint',
      body: ChatRetractBody,
      response: ChatSentResult,
    },
    'chat.marker': {
      beyondXmppFtw: true,
      summary: 'Send a chat marker (XEP-0333): received, displayed or acknowledged',
      body: ChatMarkerBody,
      response: ChatSentResult,
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
    'xmpp.chat.reaction': { summary: 'Gateway addition: XEP-0444 reactions to a message', schema: ChatReactionEvent },
    'xmpp.chat.retract': { summary: 'Gateway addition: a XEP-0424 retraction of a message', schema: ChatRetractEvent },
    'xmpp.chat.marker': { summary: 'Gateway addition: a XEP-0333 chat marker', schema: ChatMarkerEvent },
    'xmpp.chat.error': {
      summary: 'Gateway addition: an error answering a message this session sent (chat, reaction, retraction, marker, receipt)',
      schema: ChatErrorEvent,
    },
  },
});

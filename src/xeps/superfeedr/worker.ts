import { iqAction, iqOk } from '../../xmpp/iq-action.js';
import { defineWorker } from '../area.js';
import { PS } from '../xep0060-pubsub/mapping.js';
import { api } from './api.js';
import {
  isFrom,
  items,
  parseRetrieved,
  parsePush,
  parseSubscription,
  parseSubscriptions,
  pubsub,
  subscribe,
  subscriptionsRequest,
  unsubscribe,
} from './mapping.js';

// Every request goes to the configured service (SUPERFEEDR_JID). An error reply rejects the one
// request: the client gets one error answer (XMPP-FTW called its callback twice, error then success).
export const worker = defineWorker(api, {
  actions: {
    'superfeedr.subscribe': iqAction({
      type: 'set',
      to: (_body, ctx) => ctx.limits.superfeedrJid,
      payload: (body, ctx) => pubsub(subscribe.build({ node: body.feed, jid: body.jid ?? ctx.jid })),
      // An empty result (XEP-0060 §6.1.2) still names the feed.
      result: (answer, _reply, body) => parseSubscription(answer?.getChild('subscription'), body.feed),
    }),
    'superfeedr.unsubscribe': iqOk({
      type: 'set',
      to: (_body, ctx) => ctx.limits.superfeedrJid,
      payload: (body, ctx) => pubsub(unsubscribe.build({ node: body.feed, jid: body.jid ?? ctx.jid })),
    }),
    'superfeedr.retrieve': iqAction({
      type: 'get',
      to: (_body, ctx) => ctx.limits.superfeedrJid,
      payload: (body) => pubsub(items.build({ node: body.feed, ...(body.jid !== undefined && { jid: body.jid }) })),
      result: (answer) => parseRetrieved(answer),
    }),
    'superfeedr.subscriptions': iqAction({
      type: 'get',
      to: (_body, ctx) => ctx.limits.superfeedrJid,
      payload: (body, ctx) => subscriptionsRequest(ctx.jid, body.page ?? 1),
      result: (answer) => parseSubscriptions(answer),
    }),
  },
  incoming: [
    {
      // Before generic PubSub (0), the avatar area (10) and Fanout (20): a notification from the
      // Superfeedr service is a feed's news, and only that one event.
      key: `message/${PS.event}:event`,
      priority: 30,
      handle(ctx, stanza) {
        if (stanza.attrs.type === 'error' || !isFrom(stanza.attrs.from, ctx.limits.superfeedrJid)) return false;
        const push = parsePush(stanza);
        if (!push) return false;
        ctx.emit('xmpp.superfeedr.push', push);
        return true;
      },
    },
  ],
});

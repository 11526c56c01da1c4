import type { Static } from '@sinclair/typebox';
import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { bareJid } from '../../xmpp/jid.js';
import { iqAction, iqOk } from '../../xmpp/iq-action.js';
import { defineWorker } from '../area.js';
import { parseSubscribed, PS } from '../xep0060-pubsub/mapping.js';
import { api } from './api.js';
import type { SubscribeBody } from './schema.js';
import { channelNode, fromOneOf, parseChannelNotifications, presenceTo, pubsub, subscribe, unsubscribe } from './mapping.js';

/** Per session: the services that got presence, and those a subscribe succeeded with (their notifications are Fanout's). */
interface FanoutState {
  presenceSent: string[];
  subscribedTo: string[];
}
const state = (ctx: XmppContext) => ctx.state<FanoutState>(api.id, () => ({ presenceSent: [], subscribedTo: [] }));
const service = (body: { to?: string }, ctx: XmppContext) => body.to ?? ctx.limits.fanoutJid;
/** Services one session may address (each is remembered for the session's life; a client cannot grow it without bound). */
const MAX_SERVICES = 32;
const remember = (list: string[], jid: string) => {
  if (!list.includes(bareJid(jid))) list.push(bareJid(jid));
};

/** XEP-0060 §6.1 on the channel's node, for the own bare JID (as XMPP-FTW, through xmpp-ftw-pubsub). */
const subscribeRequest = iqAction({
  type: 'set',
  to: (body: Static<typeof SubscribeBody>, ctx) => service(body, ctx),
  payload: (body, ctx) => pubsub(subscribe.build({ node: channelNode(body.realm, body.channel), jid: ctx.bareJid })),
  result: (answer) => parseSubscribed(answer),
});

export const worker = defineWorker(api, {
  actions: {
    'fanout.fpp.subscribe': async (ctx, body) => {
      const to = service(body, ctx);
      const s = state(ctx);
      if (!s.presenceSent.includes(bareJid(to)) && s.presenceSent.length >= MAX_SERVICES) {
        throw errors.clientError(`At most ${MAX_SERVICES} Fanout services per session`, body);
      }
      // XMPP-FTW sent presence once per session, to whichever service came first; here each service
      // gets it before its first subscribe.
      if (!s.presenceSent.includes(bareJid(to))) {
        ctx.send(presenceTo(to, ctx.newId()));
        remember(s.presenceSent, to);
      }
      const result = await subscribeRequest(ctx, body);
      remember(s.subscribedTo, to);
      return result;
    },
    'fanout.fpp.unsubscribe': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body, ctx) => pubsub(unsubscribe.build({ node: channelNode(body.realm, body.channel), jid: ctx.bareJid })),
    }),
  },
  incoming: [
    {
      // Before generic PubSub (0) and the avatar area (10), after Superfeedr (30): only notifications
      // of the Fanout service or of a service this session subscribed through fanout/fpp/subscribe
      // (XMPP-FTW took every pubsub item notification of any sender).
      key: `message/${PS.event}:event`,
      priority: 20,
      handle(ctx, stanza) {
        if (stanza.attrs.type === 'error') return false;
        const from = stanza.attrs.from;
        if (!fromOneOf(from, [ctx.limits.fanoutJid]) && !fromOneOf(from, state(ctx).subscribedTo)) return false;
        const notifications = parseChannelNotifications(stanza);
        if (!notifications) return false;
        for (const { event, data } of notifications) ctx.emit(event, data);
        return true;
      },
    },
  ],
});

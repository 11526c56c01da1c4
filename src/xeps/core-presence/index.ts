// Presence — RFC 6121 §3–4 (subscriptions, availability), XEP-0115 1.6 caps on presence.
// XMPP-FTW: lib/presence.js (catalogue §5).
import { Empty } from '../../schemas.js';
import { capsVer, GATEWAY_CAPS_NODE, GATEWAY_IDENTITY } from '../../xmpp/caps.js';
import { NS } from '../../xmpp/ns.js';
import { action, type ActionDef, type XepModule } from '../types.js';
import { outgoingPresence, parsePresence, parsePresenceError, parseSubscribe } from './mapping.js';
import { PresenceBody, PresenceErrorEvent, PresenceEvent, PresenceMessages, SubscribeEvent, ToBody } from './schema.js';

const SUBSCRIPTION_TYPES = {
  subscribe: 'Ask to see the contact’s presence',
  subscribed: 'Approve a subscription request',
  unsubscribe: 'Cancel your subscription to the contact',
  unsubscribed: 'Refuse or revoke the contact’s subscription',
} as const;

const subscriptionActions: ActionDef[] = Object.entries(SUBSCRIPTION_TYPES).map(([type, summary]) =>
  action({
    name: `presence.${type}`,
    summary: `${summary} (RFC 6121 presence type=${type})`,
    body: ToBody,
    response: Empty,
    async handler(ctx, body) {
      ctx.send(outgoingPresence.build({ id: ctx.newId(), to: body.to, type }));
      return {};
    },
  }),
);

export const presence: XepModule = {
  id: 'core-presence',
  tag: 'presence',
  spec: 'RFC 6121 §3–4; XEP-0115 1.6',
  features: [NS.caps],
  actions: [
    action({
      name: 'presence',
      summary: 'Send presence: availability, show, status, priority, XEP-0115 caps; directed when `to` is given',
      body: PresenceBody,
      response: Empty,
      messages: PresenceMessages,
      async handler(ctx, body) {
        // Without the client's own caps, advertise the gateway's, which the gateway answers disco#info for.
        const client = body.client ?? { node: GATEWAY_CAPS_NODE, ver: capsVer([GATEWAY_IDENTITY], [...ctx.features]), hash: 'sha-1' };
        ctx.send(
          outgoingPresence.build({
            id: ctx.newId(),
            ...(body.to !== undefined && { to: body.to }),
            ...(body.type === 'unavailable' && { type: 'unavailable' }),
            ...(body.status !== undefined && { status: body.status }),
            ...(body.priority !== undefined && { priority: String(Number(body.priority)) }),
            ...(body.show !== undefined && body.show !== 'online' && { show: body.show }),
            client,
          }),
        );
        return {};
      },
    }),
    ...subscriptionActions,
    action({
      name: 'presence.get',
      summary: "Send directed available presence to a contact (XMPP-FTW's presence request)",
      body: ToBody,
      response: Empty,
      async handler(ctx, body) {
        ctx.send(outgoingPresence.build({ id: ctx.newId(), to: body.to }));
        return {};
      },
    }),
    action({
      name: 'presence.offline',
      summary: 'Go offline: broadcast unavailable presence (the session stays logged in)',
      body: Empty,
      response: Empty,
      async handler(ctx) {
        ctx.send(outgoingPresence.build({ id: ctx.newId(), type: 'unavailable' }));
        return {};
      },
    }),
  ],
  incoming: [
    { key: 'presence/type:subscribe', handle: (ctx, s) => ctx.emit('xmpp.presence.subscribe', parseSubscribe(s)) },
    { key: 'presence/type:error', handle: (ctx, s) => ctx.emit('xmpp.presence.error', parsePresenceError(s)) },
    { key: 'presence', handle: (ctx, s) => ctx.emit('xmpp.presence', parsePresence(s)) },
  ],
  events: [
    { name: 'xmpp.presence', summary: 'Presence of a contact (type added where the stanza had one)', schema: PresenceEvent },
    {
      name: 'xmpp.presence.subscribe',
      summary: 'A subscription request; answer with presence/subscribed or presence/unsubscribed',
      schema: SubscribeEvent,
    },
    { name: 'xmpp.presence.error', summary: 'A presence error', schema: PresenceErrorEvent },
  ],
};

import { Empty } from '../../schemas/common.js';
import { NS } from '../../xmpp/ns.js';
import { defineApi } from '../area.js';
import { PresenceBody, PresenceErrorEvent, PresenceEvent, PresenceMessages, SubscribeEvent, ToBody } from './schema.js';

const subscription = (type: string, summary: string) => ({
  summary: `${summary} (RFC 6121 presence type=${type})`,
  body: ToBody,
  response: Empty,
});

export const api = defineApi({
  id: 'core-presence',
  tag: 'presence',
  spec: 'RFC 6121 §3–4; XEP-0115 1.6',
  features: [NS.caps],
  actions: {
    presence: {
      summary: 'Send presence: availability, show, status, priority, XEP-0115 caps; directed when `to` is given',
      body: PresenceBody,
      response: Empty,
      messages: PresenceMessages,
    },
    'presence.subscribe': subscription('subscribe', 'Ask to see the contact’s presence'),
    'presence.subscribed': subscription('subscribed', 'Approve a subscription request'),
    'presence.unsubscribe': subscription('unsubscribe', 'Cancel your subscription to the contact'),
    'presence.unsubscribed': subscription('unsubscribed', 'Refuse or revoke the contact’s subscription'),
    'presence.get': {
      summary: "Send directed available presence to a contact (XMPP-FTW's presence request)",
      body: ToBody,
      response: Empty,
    },
    'presence.offline': {
      summary: 'Go offline: broadcast unavailable presence (the session stays logged in)',
      body: Empty,
      response: Empty,
    },
  },
  events: {
    'xmpp.presence': { summary: 'Presence of a contact (type added where the stanza had one)', schema: PresenceEvent },
    'xmpp.presence.subscribe': {
      summary: 'A subscription request; answer with presence/subscribed or presence/unsubscribed',
      schema: SubscribeEvent,
    },
    'xmpp.presence.error': { summary: 'A presence error', schema: PresenceErrorEvent },
  },
});

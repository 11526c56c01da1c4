import { Empty, Ok } from '../../schemas/common.js';
import { NS } from '../../xmpp/ns.js';
import { defineApi } from '../area.js';
import { PingBody, PingEvent, PongBody } from './schema.js';

export const api = defineApi({
  id: 'xep0199-ping',
  tag: 'ping',
  spec: 'XEP-0199 2.0.1',
  features: [NS.ping],
  actions: {
    ping: {
      summary: 'Ping an entity, by default your own server (XEP-0199)',
      description:
        'Answers `{ ok: true }` when the entity answered; an entity that does not support ping answers ' +
        'service-unavailable (503) or feature-not-implemented (501); no answer in time is 504.',
      body: PingBody,
      response: Ok,
      errorStatuses: [403, 404, 501, 502],
    },
    'ping.pong': {
      summary: 'Accepted for XMPP-FTW compatibility and ignored: the gateway has already answered the ping',
      description:
        'XMPP-FTW left incoming pings to the client. The gateway answers every ping itself as it arrives, ' +
        'so this sends nothing (a second result would be an unsolicited stanza) and answers `{}`.',
      body: PongBody,
      response: Empty,
    },
  },
  events: {
    'xmpp.ping': { summary: 'An entity pinged the session (already answered by the gateway)', schema: PingEvent },
  },
});

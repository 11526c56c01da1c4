// XEP-0199 XMPP Ping 2.0.1 (https://xmpp.org/extensions/xep-0199.html): pinging any entity, and
// answering pings to the session (the gateway answers them itself, then tells the client).
// XMPP-FTW: xmpp-ftw-ping lib/ping.js (catalogue §19).
import { Empty, Ok } from '../../schemas.js';
import { NS } from '../../xmpp/ns.js';
import { iqResult } from '../../xmpp/stanza-error.js';
import { action, type XepModule } from '../types.js';
import { parsePing, pingRequest } from './mapping.js';
import { PingBody, PingEvent, PongBody } from './schema.js';

export const ping: XepModule = {
  id: 'xep0199-ping',
  tag: 'ping',
  spec: 'XEP-0199 2.0.1',
  features: [NS.ping],
  actions: [
    action({
      name: 'ping',
      summary: 'Ping an entity, by default your own server (XEP-0199)',
      description:
        'Answers `{ ok: true }` when the entity answered; an entity that does not support ping answers ' +
        'service-unavailable (503) or feature-not-implemented (501); no answer in time is 504.',
      body: PingBody,
      response: Ok,
      errorStatuses: [403, 404, 501, 502],
      async handler(ctx, body) {
        await ctx.iq(pingRequest(body.to ?? ctx.domain, ctx.newId()));
        return { ok: true as const };
      },
    }),
    action({
      name: 'ping.pong',
      summary: 'Accepted for XMPP-FTW compatibility and ignored: the gateway has already answered the ping',
      description:
        'XMPP-FTW left incoming pings to the client. The gateway answers every ping itself as it arrives, ' +
        'so this sends nothing (a second result would be an unsolicited stanza) and answers `{}`.',
      body: PongBody,
      response: Empty,
      async handler() {
        return {};
      },
    }),
  ],
  incoming: [
    {
      key: `iq-get/${NS.ping}:ping`,
      handle(ctx, stanza) {
        // Answered at once: a server that pings to detect dead sessions must not wait on an HTTP client.
        ctx.send(iqResult(stanza));
        ctx.emit('xmpp.ping', parsePing(stanza, ctx.bareJid));
        return true;
      },
    },
  ],
  events: [{ name: 'xmpp.ping', summary: 'An entity pinged the session (already answered by the gateway)', schema: PingEvent }],
};

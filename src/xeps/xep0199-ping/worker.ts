import { iqOk } from '../../xmpp/iq-action.js';
import { NS } from '../../xmpp/ns.js';
import { iqResult } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { parsePing, pingElement } from './mapping.js';

export const worker = defineWorker(api, {
  actions: {
    ping: iqOk({ type: 'get', to: (body, ctx) => body.to ?? ctx.domain, payload: () => pingElement.build({}) }),
    'ping.pong': async () => ({}),
  },
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
});

import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import { CarbonsBody } from './schema.js';

export const api = defineApi({
  id: 'xep0280-carbons',
  tag: 'carbons',
  spec: 'XEP-0280 1.0.1, XEP-0297 1.0',
  actions: {
    'carbons.enable': {
      beyondXmppFtw: true,
      summary: 'Receive copies of the messages your other resources send and receive (XEP-0280, beyond XMPP-FTW)',
      description:
        'Copies arrive as `xmpp.chat.message` / `xmpp.chat.receipt` with `carbon: "received"` or `"sent"` (sent copies also carry `to`). ' +
        'A server without carbons answers 501 or 503.',
      body: CarbonsBody,
      response: Ok,
      errorStatuses: [403, 405, 501],
    },
    'carbons.disable': {
      beyondXmppFtw: true,
      summary: 'Stop receiving carbon copies (XEP-0280, beyond XMPP-FTW)',
      body: CarbonsBody,
      response: Ok,
      errorStatuses: [403, 405, 501],
    },
  },
});

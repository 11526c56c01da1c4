import { defineApi } from '../area.js';
import { WtfPushEvent } from './schema.js';

export const api = defineApi({
  id: 'wtf',
  tag: 'wtf',
  spec: 'RFC 6120 §8 (stanzas no other area handles)',
  actions: {},
  events: {
    'xmpp.wtf.push': {
      summary:
        'A stanza no area handled, as XML text: an unknown message or presence payload, an IQ answer nobody waits for, an IQ ' +
        'request (already answered service-unavailable). At most WTF_PER_MINUTE a minute, each at most WTF_MAX_BYTES',
      schema: WtfPushEvent,
    },
  },
});

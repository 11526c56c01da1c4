import { defineApi } from '../area.js';
import { StateBody, StateResult } from './schema.js';

const description =
  'A nonza on the stream, not a stanza: the server does not answer it (XEP-0352 §5). It is sent only when the server ' +
  'offered urn:xmpp:csi:0 in its stream features (§4); otherwise `501` feature-not-implemented and nothing is sent. ' +
  'While inactive, a server may hold back what is not urgent (presence updates, chat states) and send it on `active`.';

export const api = defineApi({
  id: 'xep0352-csi',
  tag: 'csi',
  spec: 'XEP-0352 1.0.0 (Client State Indication)',
  features: [],
  actions: {
    'csi.active': {
      summary: 'Tell the server the client is active: it sends everything at once again (XEP-0352 §5)',
      description,
      body: StateBody,
      response: StateResult,
      errorStatuses: [501],
      beyondXmppFtw: true,
    },
    'csi.inactive': {
      summary: 'Tell the server the client is inactive: it may hold back what is not urgent (XEP-0352 §5)',
      description,
      body: StateBody,
      response: StateResult,
      errorStatuses: [501],
      beyondXmppFtw: true,
    },
  },
  events: {},
});

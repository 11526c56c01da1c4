import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import { JingleRequestBody, JingleRequestEvent } from './schema.js';

export const api = defineApi({
  id: 'xep0166-jingle',
  tag: 'jingle',
  spec: 'XEP-0166 1.1.2 with XEP-0167 1.2 (RTP), XEP-0176 1.1 (ICE-UDP), XEP-0320 1.0 (DTLS), XEP-0293, XEP-0294, XEP-0338, XEP-0339',
  actions: {
    'jingle.request': {
      summary: 'Send a Jingle action (type set), acknowledge a Jingle request (type result) or reject it (type error)',
      description:
        'Three modes, as in XMPP-FTW. **A** `{ to, jingle: { sid, action, … } }` (type `set`, the default) sends the action and ' +
        'answers `{ ok: true }` once the peer acknowledged it, or the peer’s error (e.g. 404 with `application.condition` ' +
        '`unknown-session`). **B** `{ to, id, type: "result" }` acknowledges the `xmpp.jingle.request` with that id. ' +
        '**C** `{ to, id, type: "error", error: { type?, condition, jingleCondition?, text? } }` rejects it (XEP-0166 §8). ' +
        'B and C answer `{ ok: true }` once sent; 404 when no such request waits (answered already, or timed out: the ' +
        'gateway answers a request nobody acknowledges within ANSWER_TIMEOUT_MS with recipient-unavailable).',
      body: JingleRequestBody,
      response: Ok,
      errorStatuses: [403, 404, 406, 409, 501, 503],
    },
  },
  events: {
    'xmpp.jingle.request': {
      summary: 'A Jingle request (session-initiate, transport-info, session-terminate, …); acknowledge it with jingle/request',
      schema: JingleRequestEvent,
    },
  },
});

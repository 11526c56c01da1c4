import { Ok } from '../../schemas/common.js';
import { NS } from '../../xmpp/ns.js';
import { defineApi } from '../area.js';
import { HttpAnswerBody, HttpAnswerMessages, HttpVerifyEvent } from './schema.js';

const description =
  'For `iq`, answers the held request (404 when none with that `to` and `id` is waiting: answered already, or timed out ' +
  'and denied by the gateway). For `message`, sends the answer message (its `thread` is `id`).';

const answer = (summary: string) => ({
  summary,
  description,
  body: HttpAnswerBody,
  response: Ok,
  messages: HttpAnswerMessages,
  errorStatuses: [404],
});

export const api = defineApi({
  id: 'xep0070-http-auth',
  tag: 'http',
  spec: 'XEP-0070 1.0.2',
  features: [NS.httpAuth],
  actions: {
    'http.confirm': answer('Confirm an HTTP request the xmpp.http.verify event asked about (XEP-0070)'),
    'http.deny': answer('Deny an HTTP request the xmpp.http.verify event asked about (XEP-0070)'),
  },
  events: {
    'xmpp.http.verify': {
      summary: 'An HTTP server asks to confirm a request; answer with http/confirm or http/deny (unanswered iq requests are denied)',
      schema: HttpVerifyEvent,
    },
  },
});

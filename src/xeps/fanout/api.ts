import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import { CHANNEL_MESSAGES, PushEvent, SubscribeBody, SubscribeResult, UnsubscribeBody } from './schema.js';

// XEP-0060 §6.1.3, §6.2.3 errors: forbidden 403, item-not-found 404, not-allowed 405, service-unavailable 503.
const FANOUT_ERRORS = [403, 404, 405, 503];

export const api = defineApi({
  id: 'fanout',
  tag: 'fanout',
  spec: 'Fanout publish-subscribe (FPP) over XEP-0060 1.26.0 (§6.1 subscribe, §6.2 unsubscribe, §7.1.2 notifications)',
  // XMPP-FTW named these events fanout.fpp.*, without xmpp. (docs/api.md §1).
  ftwPrefix: '',
  actions: {
    'fanout.fpp.subscribe': {
      summary:
        'Subscribe to a Fanout channel (node /<realm>/<channel>, XEP-0060 §6.1); the first time per service, presence goes to it first',
      body: SubscribeBody,
      response: SubscribeResult,
      messages: CHANNEL_MESSAGES,
      errorStatuses: FANOUT_ERRORS,
    },
    'fanout.fpp.unsubscribe': {
      summary: 'Unsubscribe from a Fanout channel (XEP-0060 §6.2)',
      body: UnsubscribeBody,
      response: Ok,
      messages: CHANNEL_MESSAGES,
      errorStatuses: FANOUT_ERRORS,
    },
  },
  events: {
    'fanout.fpp.push': {
      summary: 'An item published to a Fanout channel: from FANOUT_JID or a service a subscribe of the session addressed',
      schema: PushEvent,
    },
  },
});

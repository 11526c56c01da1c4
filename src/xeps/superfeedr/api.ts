import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import {
  FeedStatus,
  PushEvent,
  RetrieveBody,
  RetrieveResult,
  SubscribeBody,
  SubscriptionsBody,
  SubscriptionsResult,
  UnsubscribeBody,
} from './schema.js';

// XEP-0060 §6 errors as Superfeedr answers them: not-authorized/forbidden 403, item-not-found 404,
// not-allowed 405, feature-not-implemented 501, service-unavailable 503.
const SUPERFEEDR_ERRORS = [403, 404, 405, 501, 503];

export const api = defineApi({
  id: 'superfeedr',
  tag: 'superfeedr',
  spec: 'Superfeedr XMPP PubSub API (XEP-0060 1.26.0 subscriber use cases with the http://superfeedr.com/xmpp-pubsub-ext status)',
  actions: {
    'superfeedr.subscribe': {
      summary: 'Subscribe to a feed at Superfeedr (XEP-0060 §6.1, the node is the feed URL); answers the feed’s status',
      body: SubscribeBody,
      response: FeedStatus,
      errorStatuses: SUPERFEEDR_ERRORS,
    },
    'superfeedr.unsubscribe': {
      summary: 'Unsubscribe from a feed at Superfeedr (XEP-0060 §6.2)',
      body: UnsubscribeBody,
      response: Ok,
      errorStatuses: SUPERFEEDR_ERRORS,
    },
    'superfeedr.retrieve': {
      summary: 'The entries Superfeedr holds for a feed (XEP-0060 §6.5)',
      body: RetrieveBody,
      response: RetrieveResult,
      errorStatuses: SUPERFEEDR_ERRORS,
    },
    'superfeedr.subscriptions': {
      summary: 'The feeds you are subscribed to, page by page (XEP-0060 §5.6 with Superfeedr’s page attribute)',
      body: SubscriptionsBody,
      response: SubscriptionsResult,
      errorStatuses: SUPERFEEDR_ERRORS,
    },
  },
  events: {
    'xmpp.superfeedr.push': {
      summary: 'New entries of a subscribed feed, from the Superfeedr service (SUPERFEEDR_JID) only',
      schema: PushEvent,
    },
  },
});

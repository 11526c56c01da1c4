import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import {
  AuthorisationBody,
  FORM_BODY_MESSAGES,
  FormResult,
  InterestsBody,
  ItemDeleteBody,
  OptionsDefaultBody,
  OptionsGetBody,
  OptionsSetBody,
  PublishBody,
  PublishMessages,
  PublishResult,
  PushAffiliationEvent,
  PushAuthorisationEvent,
  PushConfigurationEvent,
  PushDeleteEvent,
  PushItemEvent,
  PushPurgeEvent,
  PushRetractEvent,
  PushSubscriptionEvent,
  RetrieveBody,
  RetrieveMessages,
  RetrieveResult,
  SubscribeBody,
  SubscribeResult,
  UnsubscribeBody,
} from './schema.js';

// XEP-0060 §6–7 errors: bad-request/not-acceptable 400, not-authorized/forbidden 403, item-not-found 404,
// not-allowed 405, conflict 409, feature-not-implemented 501, service-unavailable 503.
const PUBSUB_ERRORS = [403, 404, 405, 409, 501, 503];

export const api = defineApi({
  id: 'xep0060-pubsub',
  tag: 'pubsub',
  spec: 'XEP-0060 1.26.0 (subscriber and publisher use cases, event notifications, §8.6 authorisation requests); XEP-0163 1.2.2 (PEP)',
  features: [],
  actions: {
    'pubsub.subscribe': {
      summary: 'Subscribe to a node (XEP-0060 §6.1)',
      description:
        'Answers `{ subscription, id?, configuration? }`: `id` is the subid where the service gave one, `configuration.required` ' +
        'says the subscription options must be submitted. An empty result (allowed by §6.1.2) is `{ subscription: "subscribed" }`.',
      body: SubscribeBody,
      response: SubscribeResult,
      errorStatuses: PUBSUB_ERRORS,
    },
    'pubsub.unsubscribe': {
      summary: 'Unsubscribe from a node (XEP-0060 §6.2); `id` is the subid where you have several',
      body: UnsubscribeBody,
      response: Ok,
      errorStatuses: PUBSUB_ERRORS,
    },
    'pubsub.subscription.config.get': {
      summary: 'The subscription options form of your subscription (XEP-0060 §6.3)',
      body: OptionsGetBody,
      response: FormResult,
      errorStatuses: PUBSUB_ERRORS,
    },
    'pubsub.subscription.config.default': {
      summary: 'The default subscription options of a node or of the service (XEP-0060 §6.4)',
      body: OptionsDefaultBody,
      response: FormResult,
      errorStatuses: PUBSUB_ERRORS,
    },
    'pubsub.subscription.config.set': {
      summary: 'Submit subscription options (XEP-0060 §6.3.5), as a `submit` form with FORM_TYPE pubsub#subscribe_options',
      body: OptionsSetBody,
      response: Ok,
      messages: FORM_BODY_MESSAGES,
      errorStatuses: PUBSUB_ERRORS,
    },
    'pubsub.publish': {
      summary: 'Publish an item to a node (XEP-0060 §7.1), optionally with publish options (§7.1.5)',
      description:
        'Answers `{ id }`, the service’s item id, or the one you chose when the service answered with an empty result. ' +
        '`content` is a string (published as <body/>) or an item-parser object.',
      body: PublishBody,
      response: PublishResult,
      messages: PublishMessages,
      errorStatuses: PUBSUB_ERRORS,
    },
    'pubsub.item.delete': {
      summary: 'Retract an item from a node (XEP-0060 §7.2)',
      body: ItemDeleteBody,
      response: Ok,
      errorStatuses: PUBSUB_ERRORS,
    },
    'pubsub.retrieve': {
      summary: 'Retrieve items of a node (XEP-0060 §6.5): all, the most recent `maxItems`, or by id; paged with `rsm` (XEP-0059)',
      body: RetrieveBody,
      response: RetrieveResult,
      messages: RetrieveMessages,
      errorStatuses: PUBSUB_ERRORS,
    },
    'pubsub.authorisation': {
      beyondXmppFtw: true,
      summary: 'Answer an xmpp.pubsub.push.authorisation request (XEP-0060 §8.6): approve or deny a subscriber',
      description:
        'XMPP-FTW answered through the event’s callback. Send the form back with `pubsub#allow` true or false; it goes to ' +
        'the service as a `submit` form with FORM_TYPE pubsub#subscribe_authorization. 404 when no such request waits ' +
        '(answered already, or expired after ANSWER_TIMEOUT_MS: the service then keeps the subscription pending).',
      body: AuthorisationBody,
      response: Ok,
      messages: FORM_BODY_MESSAGES,
      errorStatuses: [404],
    },
    'pubsub.pep.interests': {
      beyondXmppFtw: true,
      summary: 'Say which PEP nodes this session wants notifications for (XEP-0163 §4, <node>+notify in its caps)',
      description:
        'Replaces the list (default: none). The gateway advertises `<node>+notify` for each in the session’s entity ' +
        'capabilities (XEP-0115): the new caps hash goes out with your next presence (POST /v1/presence), and contacts’ ' +
        'PEP services then start (or stop) sending notifications.',
      body: InterestsBody,
      response: Ok,
    },
  },
  events: {
    'xmpp.pubsub.push.item': {
      summary: 'An item was published to a node you are subscribed to (one event per item)',
      schema: PushItemEvent,
    },
    'xmpp.pubsub.push.retract': { summary: 'An item was retracted (one event per retract)', schema: PushRetractEvent },
    'xmpp.pubsub.push.subscription': { summary: 'Your subscription’s state changed (e.g. approved)', schema: PushSubscriptionEvent },
    'xmpp.pubsub.push.affiliation': { summary: 'An affiliation changed', schema: PushAffiliationEvent },
    'xmpp.pubsub.push.configuration': { summary: 'A node’s configuration changed', schema: PushConfigurationEvent },
    'xmpp.pubsub.push.delete': { summary: 'A node was deleted', schema: PushDeleteEvent },
    'xmpp.pubsub.push.purge': { summary: 'A node was purged of its items', schema: PushPurgeEvent },
    'xmpp.pubsub.push.authorisation': {
      summary: 'A subscriber asks you, the node owner, for approval; answer with pubsub/authorisation',
      schema: PushAuthorisationEvent,
    },
  },
});

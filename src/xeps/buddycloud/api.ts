import { Ok } from '../../schemas/common.js';
import { FORM_MESSAGES } from '../../schemas/forms.js';
import { defineApi } from '../area.js';
import { DiscoInfoResult, DiscoItemsResult, DiscoverBody as DiscoQueryBody } from '../xep0030-disco/schema.js';
import { HttpAnswerMessages } from '../xep0070-http-auth/schema.js';
import { RegisterMessages } from '../xep0077-register/schema.js';
import { SearchDoMessages } from '../xep0055-search/schema.js';
import { FORM_BODY_MESSAGES, PublishMessages, RetrieveMessages } from '../xep0060-pubsub/schema.js';
import {
  AffiliationBody,
  AffiliationList,
  AffiliationsBody,
  AuthorisationBody,
  ConfigGetBody,
  ConfigGetResult,
  ConfigSetBody,
  CreateBody,
  DiscoverBody,
  DiscoverResult,
  FeedBody,
  HttpAnswerBody,
  HttpVerifyEvent,
  ItemDeleteBody,
  ItemListResult,
  MediaServerBody,
  MediaServerResult,
  NodeBody,
  PresenceBody,
  PresenceResult,
  PublishBody,
  PublishResult,
  PushAffiliation,
  PushAuthorisation,
  PushConfiguration,
  PushDelete,
  PushItem,
  PushPurge,
  PushRetract,
  PushSubscription,
  RecentBody,
  RegisterBody,
  RegisteredResult,
  RegisterGetBody,
  RegisterGetResult,
  RegisterPasswordChannelBody,
  RetrieveBody,
  RetrieveResult,
  SearchDoChannelBody,
  SearchDoResult,
  SearchGetBody,
  SearchGetResult,
  SINCE_MESSAGES,
  SubscribeResult,
  SubscriptionBody,
  SubscriptionListResult,
  SubscriptionsBody,
  ThreadBody,
  UnregisterBody,
} from './schema.js';

// The channel server answers with XEP-0060's errors (§6–§8): 400, 403, 404, 405, 406, 409, 501, 503;
// every channel action before discovery is 400 ("You must perform discovery first!").
const CHANNEL_ERRORS = [403, 404, 405, 406, 409, 501, 503];
const DISCO_ERRORS = [403, 404, 405, 501, 502, 503];
const BEFORE = ' Needs buddycloud/discover first (else 400 `You must perform discovery first!`).';

export const api = defineApi({
  id: 'buddycloud',
  tag: 'buddycloud',
  spec: 'Buddycloud channels (buddycloud XEP draft, http://buddycloud.org/v1) over XEP-0060 1.26.0; XEP-0030, XEP-0055, XEP-0059, XEP-0070, XEP-0077, XEP-0128',
  actions: {
    'buddycloud.discover': {
      summary: 'Find your domain’s buddycloud channel server (disco#items, then disco#info: identity pubsub/channels)',
      description:
        'Answers `{ server }` and remembers it for the session: every channel action goes there, and only its notifications ' +
        'become buddycloud events. `server` skips discovery. 404 `No buddycloud server found` when no item of the domain is one.',
      body: DiscoverBody,
      response: DiscoverResult,
      errorStatuses: [404, ...DISCO_ERRORS],
    },
    'buddycloud.discover.media-server': {
      summary: 'Find the media server of a channel’s domain (identity component/generic "Media Server", XEP-0128 `endpoint`)',
      description:
        'Remembered for the session: its HTTP-auth requests (XEP-0070) then arrive as xmpp.buddycloud.http.verify. 404 when there is none.',
      body: MediaServerBody,
      response: MediaServerResult,
      errorStatuses: [404, ...DISCO_ERRORS],
    },
    'buddycloud.discover.items': {
      summary: 'disco#items of any entity (as discover/items, XEP-0030)',
      body: DiscoQueryBody,
      response: DiscoItemsResult,
      errorStatuses: DISCO_ERRORS,
    },
    'buddycloud.discover.info': {
      summary: 'disco#info of any entity (as discover/info, XEP-0030, XEP-0128)',
      body: DiscoQueryBody,
      response: DiscoInfoResult,
      errorStatuses: DISCO_ERRORS,
    },
    'buddycloud.presence': {
      summary: 'Send presence to the channel server (status buddycloud, priority -1): it then sends you notifications.' + BEFORE,
      body: PresenceBody,
      response: PresenceResult,
    },
    'buddycloud.register': {
      summary: 'Register with the channel server (XEP-0077), which creates your personal channels; repeating it is harmless.' + BEFORE,
      body: RegisterBody,
      response: RegisteredResult,
      messages: RegisterMessages,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.register.set': {
      summary: 'The same as buddycloud/register (XEP-0077 §3.1 with the channel server).' + BEFORE,
      body: RegisterBody,
      response: RegisteredResult,
      messages: RegisterMessages,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.register.get': {
      summary: 'What registering with the channel server takes, or what is registered (XEP-0077 §3.1).' + BEFORE,
      body: RegisterGetBody,
      response: RegisterGetResult,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.register.password': {
      summary: 'Change your password with the channel server (XEP-0077 §3.3).' + BEFORE,
      body: RegisterPasswordChannelBody,
      response: RegisteredResult,
      messages: RegisterMessages,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.register.unregister': {
      summary: 'Cancel your registration with the channel server (XEP-0077 §3.2).' + BEFORE,
      body: UnregisterBody,
      response: Ok,
      messages: RegisterMessages,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.create': {
      summary: 'Create a channel node (XEP-0060 §8.1), optionally configured.' + BEFORE,
      body: CreateBody,
      response: Ok,
      messages: { 'type:options': 'Badly formatted data form' },
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.delete': {
      summary: 'Delete a channel node you own (XEP-0060 §8.4).' + BEFORE,
      body: NodeBody,
      response: Ok,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.publish': {
      summary: 'Post to a channel (XEP-0060 §7.1): an Atom entry, a reply with `in-reply-to`, …' + BEFORE,
      description: 'Answers `{ id }`: the channel server’s item id, or the one you chose when it answered with an empty result.',
      body: PublishBody,
      response: PublishResult,
      messages: PublishMessages,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.item.delete': {
      summary: 'Delete a post (XEP-0060 §7.2).' + BEFORE,
      body: ItemDeleteBody,
      response: Ok,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.retrieve': {
      summary:
        'Posts of a channel node (XEP-0060 §6.5): all, by id, the last `maxItems`, top-level only with `parentOnly`; paged.' + BEFORE,
      body: RetrieveBody,
      response: RetrieveResult,
      messages: RetrieveMessages,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.items.recent': {
      summary: 'Recent posts of every channel you follow (buddycloud recent-items): at most `max` per channel since `since`.' + BEFORE,
      body: RecentBody,
      response: ItemListResult,
      messages: SINCE_MESSAGES,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.items.feed': {
      summary: 'Your feed: posts of the channels you follow since `since` (buddycloud user-items).' + BEFORE,
      body: FeedBody,
      response: ItemListResult,
      messages: SINCE_MESSAGES,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.items.replies': {
      summary: 'The replies to a post (buddycloud replies).' + BEFORE,
      body: ThreadBody,
      response: ItemListResult,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.items.thread': {
      summary: 'A post and its replies (buddycloud thread).' + BEFORE,
      body: ThreadBody,
      response: ItemListResult,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.subscribe': {
      summary: 'Follow a channel node with your bare JID (XEP-0060 §6.1).' + BEFORE,
      body: NodeBody,
      response: SubscribeResult,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.unsubscribe': {
      summary: 'Stop following a channel node (XEP-0060 §6.2).' + BEFORE,
      body: NodeBody,
      response: Ok,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.subscription': {
      summary: 'Set a subscriber’s state as owner or moderator (XEP-0060 §8.8.2); `invited` invites a user.' + BEFORE,
      body: SubscriptionBody,
      response: Ok,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.subscriptions': {
      summary:
        'Subscriptions: yours (XEP-0060 §5.6), or with `owner` every one of a node (§8.8.1); `ephemeral` includes ephemeral ones.' + BEFORE,
      body: SubscriptionsBody,
      response: SubscriptionListResult,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.affiliations': {
      summary: 'Affiliations: yours (XEP-0060 §5.7), or with `owner` every one of a node (§8.9.1).' + BEFORE,
      body: AffiliationsBody,
      response: AffiliationList,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.affiliation': {
      summary: 'Set a user’s affiliation with a channel node (XEP-0060 §8.9.2), `moderator` included.' + BEFORE,
      body: AffiliationBody,
      response: Ok,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.config.get': {
      summary:
        'A channel’s configuration: with `owner` the owner’s form (XEP-0060 §8.2), else its public metadata fields (disco#info).' + BEFORE,
      description: 'Without `owner`, 404 `No node information found` when the node’s disco#info has no form.',
      body: ConfigGetBody,
      response: ConfigGetResult,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.config.set': {
      summary: 'Submit a channel’s configuration (XEP-0060 §8.2.4).' + BEFORE,
      body: ConfigSetBody,
      response: Ok,
      messages: FORM_MESSAGES,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.search.get': {
      summary: 'What the channel server searches by (XEP-0055).' + BEFORE,
      body: SearchGetBody,
      response: SearchGetResult,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.search.do': {
      summary: 'Search the channel server’s posts (XEP-0055); each result’s `entry` is parsed as a post.' + BEFORE,
      body: SearchDoChannelBody,
      response: SearchDoResult,
      messages: SearchDoMessages,
      errorStatuses: CHANNEL_ERRORS,
    },
    'buddycloud.http.confirm': {
      summary: 'Confirm an HTTP request an xmpp.buddycloud.http.verify (or xmpp.http.verify) event asked about (XEP-0070)',
      body: HttpAnswerBody,
      response: Ok,
      messages: HttpAnswerMessages,
      errorStatuses: [404],
    },
    'buddycloud.http.deny': {
      summary: 'Deny an HTTP request an xmpp.buddycloud.http.verify (or xmpp.http.verify) event asked about (XEP-0070)',
      body: HttpAnswerBody,
      response: Ok,
      messages: HttpAnswerMessages,
      errorStatuses: [404],
    },
    'buddycloud.authorisation': {
      beyondXmppFtw: true,
      summary: 'Answer an xmpp.buddycloud.push.authorisation request (XEP-0060 §8.6): let a user follow your channel, or not',
      description:
        'XMPP-FTW answered through the event’s callback. The form goes to the channel server as a `submit` form with FORM_TYPE ' +
        'pubsub#subscribe_authorization. 404 when no such request waits (answered, or expired after ANSWER_TIMEOUT_MS).',
      body: AuthorisationBody,
      response: Ok,
      messages: FORM_BODY_MESSAGES,
      errorStatuses: [404],
    },
  },
  events: {
    'xmpp.buddycloud.push.item': { summary: 'A post in a channel you follow (one event per item)', schema: PushItem },
    'xmpp.buddycloud.push.retract': { summary: 'A post was deleted (one event per retract)', schema: PushRetract },
    'xmpp.buddycloud.push.subscription': { summary: 'A subscription changed, or you were invited', schema: PushSubscription },
    'xmpp.buddycloud.push.affiliation': { summary: 'An affiliation changed', schema: PushAffiliation },
    'xmpp.buddycloud.push.configuration': { summary: 'A channel’s configuration changed', schema: PushConfiguration },
    'xmpp.buddycloud.push.delete': { summary: 'A channel was deleted', schema: PushDelete },
    'xmpp.buddycloud.push.purge': { summary: 'A channel was purged', schema: PushPurge },
    'xmpp.buddycloud.push.authorisation': {
      summary: 'A user asks to follow a channel you own; answer with buddycloud/authorisation',
      schema: PushAuthorisation,
    },
    'xmpp.buddycloud.http.verify': {
      summary:
        'The channel server or a discovered media server asks to confirm an HTTP request; answer with buddycloud/http/confirm or deny',
      schema: HttpVerifyEvent,
    },
  },
});

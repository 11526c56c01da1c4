import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import { AddBody, ListBody, ListResult, PushEvent, RemoveBody, RetractEvent } from './schema.js';

// XEP-0060 errors of the own PEP service: forbidden 403, item-not-found 404, conflict 409 (precondition-not-met
// on publish-options that do not match the node), feature-not-implemented 501, service-unavailable 503.
const PEP_ERRORS = [403, 404, 409, 501, 503];

export const api = defineApi({
  id: 'xep0402-bookmarks',
  tag: 'bookmarks',
  spec: 'XEP-0402 1.1.4 (PEP Native Bookmarks: node urn:xmpp:bookmarks:1)',
  features: [],
  actions: {
    'bookmarks.list': {
      summary: 'Your bookmarked rooms (XEP-0402 §3.1: the items of your PEP node urn:xmpp:bookmarks:1)',
      description: 'A server without the node yet (no bookmark ever added) answers `[]`.',
      body: ListBody,
      response: ListResult,
      errorStatuses: PEP_ERRORS,
      beyondXmppFtw: true,
    },
    'bookmarks.add': {
      summary: 'Add or replace a bookmark (XEP-0402 §3.2: publish item id=room, private to you)',
      description:
        'Published with the publish-options of §3 (persist_items, max_items=max, send_last_published_item=never, ' +
        'access_model=whitelist): the node is private. Your other resources that asked for the node ' +
        '(pubsub/pep/interests with urn:xmpp:bookmarks:1) get xmpp.bookmarks.push.',
      body: AddBody,
      response: Ok,
      errorStatuses: PEP_ERRORS,
      beyondXmppFtw: true,
    },
    'bookmarks.remove': {
      summary: 'Remove a bookmark (XEP-0402 §3.3: retract item id=room, with notify)',
      body: RemoveBody,
      response: Ok,
      errorStatuses: PEP_ERRORS,
      beyondXmppFtw: true,
    },
  },
  events: {
    'xmpp.bookmarks.push': { summary: 'A bookmark was added or changed', schema: PushEvent },
    'xmpp.bookmarks.retract': { summary: 'A bookmark was removed', schema: RetractEvent },
  },
});

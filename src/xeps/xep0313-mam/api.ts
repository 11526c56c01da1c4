import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import {
  MAM_MESSAGES,
  MamMessage,
  MamPreferences,
  MamPreferencesBody,
  MamPreferencesGetBody,
  MamQueryBody,
  MamQueryResult,
} from './schema.js';

// An archive refuses a query it cannot read (bad-request 400), a page id it does not know
// (item-not-found 404), a room's archive to a non-occupant (forbidden 403); 501 when the archive
// lacks what the query needs; 503 when there is no archive.
const ARCHIVE_ERRORS = [403, 404, 501, 503];

export const api = defineApi({
  id: 'xep0313-mam',
  tag: 'mam',
  spec: 'XEP-0313 1.1 (urn:xmpp:mam:2 and its #extended ids; urn:xmpp:mam:1 where an archive offers nothing newer); XEP-0441 (preferences); XEP-0442 (PubSub node archives); XEP-0059 1.0',
  actions: {
    'mam.query': {
      summary: 'A page of a message archive (XEP-0313): your own, a room’s, or a PubSub node’s; filtered and paged',
      description:
        'Answers once the archive’s <fin/> has come: `{ messages, rsm, complete, stable, queryId }`, the messages in archive ' +
        'order and parsed as live chat messages are, each also sent as an `xmpp.mam.message` event tagged with the ' +
        'queryId. Page forwards with `rsm: { after: rsm.last }`, backwards with `rsm: { before: rsm.first }`; ' +
        '`rsm: { before: "" }` is the last page. At most MAM_MAX_RESULTS messages per page: a larger (or no) `rsm.max` ' +
        'is lowered to it, and `complete: false` says there is more. `beforeId`, `afterId` and `ids` need an archive ' +
        'that advertises urn:xmpp:mam:2#extended (501 otherwise).',
      body: MamQueryBody,
      response: MamQueryResult,
      errorStatuses: ARCHIVE_ERRORS,
    },
    'mam.preferences': {
      summary: 'Set what your archive keeps (XEP-0441, urn:xmpp:mam:2 prefs): the default, and JIDs always or never archived',
      description: 'Both lists replace the current ones (a list left out is sent empty).',
      body: MamPreferencesBody,
      response: Ok,
      messages: MAM_MESSAGES,
      errorStatuses: ARCHIVE_ERRORS,
    },
    'mam.preferences.get': {
      beyondXmppFtw: true,
      summary: 'Your archive’s current preferences (XEP-0441)',
      description: 'Not in XMPP-FTW, which could only set them.',
      body: MamPreferencesGetBody,
      response: MamPreferences,
      errorStatuses: ARCHIVE_ERRORS,
    },
  },
  events: {
    'xmpp.mam.message': {
      summary: 'A message of an archive page, as mam/query collects it (also in its answer); `mam.queryId` names the query',
      schema: MamMessage,
    },
  },
});

import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import { GetBody, SetBody, SetMessages, Vcard } from './schema.js';

export const api = defineApi({
  id: 'xep0054-vcard',
  tag: 'vcard',
  spec: 'XEP-0054 1.2 (vcard-temp); XEP-0153 1.1 (vCard-based avatars in presence)',
  features: [],
  actions: {
    'vcard.get': {
      summary: 'Fetch a vCard: your own, or a contact’s with `of` (XEP-0054 §3.1, §3.3)',
      description:
        'Answers the vCard as JSON: the documented keys, and every other element as XML text under `raw` (docs/vcard.md). ' +
        'A user without a vCard is `404` (item-not-found, as Prosody answers). Fetching your own also sets the photo hash ' +
        'your presence carries (XEP-0153).',
      body: GetBody,
      response: Vcard,
      errorStatuses: [403, 404, 503],
      beyondXmppFtw: true,
    },
    'vcard.set': {
      summary: 'Replace your own vCard (XEP-0054 §3.2)',
      description:
        'The whole vCard is replaced by this one. `photo.binval` must be canonical base64 of at most AVATAR_MAX_BYTES bytes ' +
        '(`413` otherwise; nothing is sent). The SHA-1 of the photo bytes then goes out in every presence the session sends ' +
        '(XEP-0153 §3.2): send presence again (POST /v1/presence) so that contacts learn it.',
      body: SetBody,
      response: Ok,
      messages: SetMessages,
      errorStatuses: [403, 413, 503],
      beyondXmppFtw: true,
    },
  },
  events: {},
});

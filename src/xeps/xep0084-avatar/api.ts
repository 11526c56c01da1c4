import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import { SubscribeResult } from '../xep0060-pubsub/schema.js';
import {
  DataBody,
  DataResult,
  MetadataBody,
  MetadataMessages,
  OfBody,
  PushMetadataEvent,
  UploadBody,
  UploadMessages,
  UploadResult,
} from './schema.js';

// XEP-0060 errors of a PEP service (XEP-0163): forbidden 403, item-not-found 404, not-allowed 405,
// conflict 409, feature-not-implemented 501, service-unavailable 503.
const PEP_ERRORS = [403, 404, 405, 409, 501, 503];

export const api = defineApi({
  id: 'xep0084-avatar',
  tag: 'avatar',
  spec: 'XEP-0084 1.1.4 (User Avatar: data and metadata nodes in PEP, XEP-0163)',
  features: [],
  actions: {
    'avatar.upload': {
      summary: 'Publish your avatar image to your PEP node urn:xmpp:avatar:data (XEP-0084 §4.1)',
      description:
        'Answers `{ id }`: the id you gave, else the SHA-1 of the decoded image bytes in hex (§4.1). Then publish the ' +
        'metadata with avatar/metadata, with that id. `content` must be valid base64; an image larger than ' +
        'AVATAR_MAX_BYTES (decoded) is `413` and nothing is published.',
      body: UploadBody,
      response: UploadResult,
      messages: UploadMessages,
      errorStatuses: [413, ...PEP_ERRORS],
    },
    'avatar.metadata': {
      summary: 'Publish your avatar metadata to your PEP node urn:xmpp:avatar:metadata (XEP-0084 §4.2), or switch it off (§4.5)',
      description:
        '`bytes`, `id` and `type` are required unless `disable` is true; the item id is `id`. `additional` lists other ' +
        'formats or locations of the same avatar (one more <info/> each). With `disable: true` the metadata is empty.',
      body: MetadataBody,
      response: Ok,
      messages: MetadataMessages,
      errorStatuses: PEP_ERRORS,
    },
    'avatar.data': {
      summary: 'Fetch a contact’s avatar image from their PEP node urn:xmpp:avatar:data (XEP-0084 §4.4)',
      body: DataBody,
      response: DataResult,
      errorStatuses: PEP_ERRORS,
    },
    'avatar.subscribe': {
      summary: 'Subscribe to a contact’s avatar metadata node (XEP-0060 §6.1 on their PEP service)',
      description:
        'Answers like pubsub/subscribe. Contacts’ PEP services also notify without a subscription when the session ' +
        'asks for urn:xmpp:avatar:metadata with pubsub/pep/interests (XEP-0163 §4).',
      body: OfBody,
      response: SubscribeResult,
      errorStatuses: PEP_ERRORS,
    },
    'avatar.unsubscribe': {
      summary: 'Unsubscribe from a contact’s avatar metadata node (XEP-0060 §6.2)',
      body: OfBody,
      response: Ok,
      errorStatuses: PEP_ERRORS,
    },
  },
  events: {
    'xmpp.avatar.push.metadata': {
      summary: 'A contact published avatar metadata (or switched their avatar off); fetch the image with avatar/data',
      schema: PushMetadataEvent,
    },
  },
});

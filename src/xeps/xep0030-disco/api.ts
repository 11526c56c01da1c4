import { Ok } from '../../schemas/common.js';
import { NS } from '../../xmpp/ns.js';
import { defineApi } from '../area.js';
import {
  DiscoInfoResult,
  DiscoItemsResult,
  DiscoverBody,
  DiscoverClientBody,
  DiscoverClientEvent,
  DiscoverClientMessages,
} from './schema.js';

const DISCO_ERRORS = [403, 404, 405, 501, 502, 503];

export const api = defineApi({
  id: 'xep0030-disco',
  tag: 'disco',
  spec: 'XEP-0030 2.5.0, XEP-0128 1.0.1, XEP-0059 1.0 (paging), XEP-0115 1.6 (own caps node)',
  features: [NS.discoInfo],
  actions: {
    'discover.items': {
      summary: 'List the items of an entity or node (XEP-0030 disco#items), optionally paged (XEP-0059)',
      description: 'Answers the array of items, or `{ items, rsm }` when the entity paged its answer.',
      body: DiscoverBody,
      response: DiscoItemsResult,
      errorStatuses: DISCO_ERRORS,
    },
    'discover.info': {
      summary: 'Identities, features and extended forms of an entity or node (XEP-0030 disco#info, XEP-0128)',
      description:
        'Answers the entries in document order, or `{ items, rsm }` when the answer carried a XEP-0059 set (the set is never an entry).',
      body: DiscoverBody,
      response: DiscoInfoResult,
      errorStatuses: DISCO_ERRORS,
    },
    'discover.client': {
      summary: 'Answer a disco#info request for one of the client’s own nodes (the xmpp.discover.client event)',
      description: 'The answer carries the node that was asked about. 404 when no such request is waiting (answered, or timed out).',
      body: DiscoverClientBody,
      response: Ok,
      messages: DiscoverClientMessages,
      errorStatuses: [404],
    },
  },
  events: {
    'xmpp.discover.client': {
      summary: 'A disco#info request for one of the client’s own nodes; answer with discover/client (else item-not-found)',
      schema: DiscoverClientEvent,
    },
  },
});

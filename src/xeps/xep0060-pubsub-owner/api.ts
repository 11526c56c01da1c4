import { Ok } from '../../schemas/common.js';
import { FORM_MESSAGES, FormSchema } from '../../schemas/forms.js';
import { defineApi } from '../area.js';
import {
  AffiliationBody,
  AffiliationList,
  AffiliationsBody,
  ConfigSetBody,
  CREATE_MESSAGES,
  CreateBody,
  DeleteBody,
  NodeBody,
  SubscriptionBody,
  SubscriptionList,
  SubscriptionsBody,
} from './schema.js';

// XEP-0060 §7–§8 errors: bad-request (400), forbidden / not owner (403), item-not-found (404),
// not-allowed (405), not-acceptable (406: a configuration the service refuses), conflict (409: the
// node exists), feature-not-implemented (501), service-unavailable (503).
const NODE_ERRORS = [400, 403, 404, 405, 406, 409, 501, 503];

export const api = defineApi({
  id: 'xep0060-pubsub-owner',
  tag: 'pubsub',
  spec: 'XEP-0060 1.26 §8 (owner use cases: create, configure, delete, purge, subscriptions, affiliations); §5.6–§5.7 (own subscriptions and affiliations); XEP-0059 1.0',
  actions: {
    'pubsub.create': {
      summary: 'Create a node (XEP-0060 §8.1), optionally with its configuration (§8.1.3)',
      description: 'Without `to`, the node is created on your own PEP service (XEP-0163).',
      body: CreateBody,
      response: Ok,
      messages: CREATE_MESSAGES,
      errorStatuses: NODE_ERRORS,
    },
    'pubsub.delete': {
      summary: 'Delete a node you own (XEP-0060 §8.4), optionally naming its replacement',
      body: DeleteBody,
      response: Ok,
      errorStatuses: NODE_ERRORS,
    },
    'pubsub.purge': {
      summary: 'Remove every item of a node you own (XEP-0060 §8.5)',
      body: NodeBody,
      response: Ok,
      errorStatuses: NODE_ERRORS,
    },
    'pubsub.config.get': {
      summary: 'The configuration form of a node you own (XEP-0060 §8.2)',
      body: NodeBody,
      response: FormSchema,
      errorStatuses: NODE_ERRORS,
    },
    'pubsub.config.set': {
      summary: 'Submit the configuration of a node you own (XEP-0060 §8.2.4)',
      body: ConfigSetBody,
      response: Ok,
      messages: FORM_MESSAGES,
      errorStatuses: NODE_ERRORS,
    },
    'pubsub.affiliation': {
      summary: 'Set the affiliation of an entity with a node you own (XEP-0060 §8.9.2); `none` removes it',
      body: AffiliationBody,
      response: Ok,
      errorStatuses: NODE_ERRORS,
    },
    'pubsub.affiliations': {
      summary: 'Affiliations: your own (XEP-0060 §5.7), or with `owner: true` every affiliation of a node you own (§8.9.1)',
      description: 'Answers the list, or `{ items, rsm }` when the service paged its answer. `owner` needs `node`.',
      body: AffiliationsBody,
      response: AffiliationList,
      errorStatuses: NODE_ERRORS,
    },
    'pubsub.subscription': {
      summary: 'Set the subscription of an entity to a node you own (XEP-0060 §8.8.2): approve, or `none` to remove it',
      body: SubscriptionBody,
      response: Ok,
      errorStatuses: NODE_ERRORS,
    },
    'pubsub.subscriptions': {
      summary: 'Subscriptions: your own (XEP-0060 §5.6), or with `owner: true` every subscription to a node you own (§8.8.1)',
      description: 'Answers the list, or `{ items, rsm }` when the service paged its answer. `owner` needs `node`.',
      body: SubscriptionsBody,
      response: SubscriptionList,
      errorStatuses: NODE_ERRORS,
    },
  },
});

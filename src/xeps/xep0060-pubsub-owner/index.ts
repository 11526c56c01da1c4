// Publish-Subscribe — XEP-0060 1.26 (https://xmpp.org/extensions/xep-0060.html), the owner's side:
// §8 node management (create with configuration, configure, delete with redirect, purge, manage
// subscriptions and affiliations) in the pubsub#owner namespace, and §5.6–§5.7 the own subscriptions
// and affiliations; XEP-0059 1.0 paging of the lists. Without `to`, your own PEP service (XEP-0163).
// XMPP-FTW: xmpp-ftw-pubsub lib/pubsub.js (its owner half).
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

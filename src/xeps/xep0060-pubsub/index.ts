// Publish-Subscribe — XEP-0060 1.26.0 (https://xmpp.org/extensions/xep-0060.html): the subscriber and
// publisher use cases (§6, §7), every event notification (§7.1.2, §7.2.2, §8.2.5, §8.4.3, §8.5.3,
// §8.8.4, §8.9.4), subscription authorisation requests (§8.6); Personal Eventing Protocol, XEP-0163
// 1.2.2 (https://xmpp.org/extensions/xep-0163.html). Node management is area xep0060-pubsub-owner.
// XMPP-FTW: xmpp-ftw-pubsub lib/pubsub.js, lib/event.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

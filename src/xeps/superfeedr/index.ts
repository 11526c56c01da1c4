// Superfeedr — its XMPP PubSub API (https://documentation.superfeedr.com/subscribers.html#xmpp-pubsub):
// XEP-0060 1.26.0 subscriber requests (§6.1, §6.2, §6.5, §5.6) to the service SUPERFEEDR_JID, where a
// node is a feed URL, and its event notifications (§7.1.2) with the feed's status
// (http://superfeedr.com/xmpp-pubsub-ext). XMPP-FTW: xmpp-ftw-superfeedr 1.2.1, lib/superfeedr.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

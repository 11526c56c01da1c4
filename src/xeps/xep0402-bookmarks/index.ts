// PEP Native Bookmarks — XEP-0402 1.1.4 (https://xmpp.org/extensions/xep-0402.html): listing (§3.1),
// adding (§3.2) and removing (§3.3) bookmarks on the PEP node urn:xmpp:bookmarks:1 (XEP-0163), and
// their notifications, on the PubSub area's mapping (xep0060-pubsub). Not in XMPP-FTW.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

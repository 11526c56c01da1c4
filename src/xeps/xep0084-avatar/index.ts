// User Avatar — XEP-0084 1.1.4 (https://xmpp.org/extensions/xep-0084.html): publishing the image
// (§4.1) and its metadata (§4.2), switching it off (§4.5), fetching a contact's image (§4.4) and the
// metadata notification (§4.3), on the PEP nodes of XEP-0163 (built on the PubSub area, xep0060-pubsub).
// XMPP-FTW: xmpp-ftw-avatar lib/avatar.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

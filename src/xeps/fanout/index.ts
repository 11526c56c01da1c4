// Fanout — its publish-subscribe service (FPP) as XEP-0060 1.26.0 (https://xmpp.org/extensions/xep-0060.html):
// subscribe (§6.1) and unsubscribe (§6.2) on the node /<realm>/<channel> of FANOUT_JID (or a `to`), with
// presence to the service first (it delivers to available resources), and its item notifications
// (§7.1.2). XMPP-FTW: xmpp-ftw-fanout 1.0.2, lib/fanout.js (its event names have no xmpp. prefix).
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

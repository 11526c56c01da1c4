// Message Archive Management — XEP-0313 1.1 (https://xmpp.org/extensions/xep-0313.html),
// urn:xmpp:mam:2 with its #extended id filters, urn:xmpp:mam:1 for archives that offer nothing
// newer; XEP-0441 preferences, XEP-0442 PubSub node archives, XEP-0059 1.0 paging. It receives
// the results of every archive query of the session, muc/history's included (src/xmpp/shared/mam.ts).
// XMPP-FTW: xmpp-ftw-mam lib/mam.js (which spoke the 2013 draft urn:xmpp:mam:tmp).
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

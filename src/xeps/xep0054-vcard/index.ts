// vCards — XEP-0054 1.2 (https://xmpp.org/extensions/xep-0054.html): fetching one's own vCard
// (§3.1) or a contact's (§3.3), and replacing one's own (§3.2); the photo's hash in presence is
// XEP-0153 1.1 (https://xmpp.org/extensions/xep-0153.html), read and written by core-presence
// with the hash this area keeps (state.ts). Not in XMPP-FTW (docs/differences.md, Additions).
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

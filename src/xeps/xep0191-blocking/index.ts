// Blocking Command — XEP-0191 1.3 (https://xmpp.org/extensions/xep-0191.html): the blocklist (§3.2),
// blocking (§3.3) and unblocking (§3.4, §3.5), and the server's pushes of changes to every
// interested resource. Not in XMPP-FTW.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

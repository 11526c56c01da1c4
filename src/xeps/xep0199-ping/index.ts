// XEP-0199 XMPP Ping 2.0.1 (https://xmpp.org/extensions/xep-0199.html): pinging any entity, and
// answering pings to the session (the gateway answers them itself, then tells the client).
// XMPP-FTW: xmpp-ftw-ping lib/ping.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

// XEP-0070 Verifying HTTP Requests via XMPP 1.0.2 (https://xmpp.org/extensions/xep-0070.html):
// an HTTP server asks the user, over XMPP, to confirm a request; the client confirms or denies.
// Requests by iq are held until the client answers; unanswered, they are denied.
// XMPP-FTW: xmpp-ftw-http lib/http.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

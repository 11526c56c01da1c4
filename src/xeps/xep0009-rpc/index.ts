// XEP-0009 Jabber-RPC 2.2.1 (https://xmpp.org/extensions/xep-0009.html): XML-RPC calls over
// XMPP, both ways. Calls to the session are held until the client answers (result or fault).
// XMPP-FTW: xmpp-ftw-rpc lib/rpc.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

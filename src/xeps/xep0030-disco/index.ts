// XEP-0030 Service Discovery 2.5.0 (https://xmpp.org/extensions/xep-0030.html), with XEP-0128
// Service Discovery Extensions 1.0.1 (forms in disco#info) and XEP-0059 Result Set Management 1.0
// paging; the disco#info responder for the gateway's XEP-0115 1.6 caps node.
// XMPP-FTW: xmpp-ftw-disco lib/disco.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

// XEP-0055 Jabber Search 1.3 (https://xmpp.org/extensions/xep-0055.html): ask a service for its
// search fields or form, search with basic fields or a data form, and read both kinds of results.
// XMPP-FTW: xmpp-ftw-search lib/search.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

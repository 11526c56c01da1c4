// Buddycloud channels (buddycloud protocol, http://buddycloud.org/v1; https://buddycloud.github.io/buddycloud-xep/):
// channels are XEP-0060 1.26.0 nodes on a channel server found by XEP-0030 discovery, with
// buddycloud's queries (recent-items, user-items, replies, thread, parent-only, ephemeral,
// invited-by), registration (XEP-0077 2.4), search (XEP-0055 1.3), media servers verified by
// XEP-0070 1.0.2, metadata in XEP-0128 forms and XEP-0059 paging.
// XMPP-FTW: xmpp-ftw-buddycloud 1.17.0 lib/buddycloud.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

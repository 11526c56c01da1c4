// Multi-User Chat — XEP-0045 1.34 (https://xmpp.org/extensions/xep-0045.html), with
// XEP-0249 Direct MUC Invitations 1.2 (https://xmpp.org/extensions/xep-0249.html) and the room's
// archive through XEP-0313 Message Archive Management 1.1 (https://xmpp.org/extensions/xep-0313.html,
// urn:xmpp:mam:2) with XEP-0059 1.0 paging.
// XMPP-FTW: xmpp-ftw-muc lib/multi-user-chat.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

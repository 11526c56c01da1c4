// XEP-0050 Ad-Hoc Commands 1.3.0 (https://xmpp.org/extensions/xep-0050.html), as a requester:
// list (disco#items of the commands node), describe (disco#info of a command node) and execute
// commands, multi-step with sessionId, data forms and OOB; command lists announced by message.
// XMPP-FTW: xmpp-ftw-command lib/command.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

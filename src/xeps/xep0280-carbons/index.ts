// XEP-0280 Message Carbons 1.0.1 (https://xmpp.org/extensions/xep-0280.html), with XEP-0297
// Stanza Forwarding 1.0: copies of the messages the account's other resources receive and send,
// delivered as xmpp.chat.message / xmpp.chat.receipt with `carbon`. Beyond XMPP-FTW.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

// Client State Indication — XEP-0352 1.0.0 (https://xmpp.org/extensions/xep-0352.html): the
// <active/> and <inactive/> nonzas (§5), sent where the server offers the stream feature (§4).
// Not in XMPP-FTW.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

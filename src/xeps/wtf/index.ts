// Unknown stanzas: the true fallback of the dispatch (src/xmpp/dispatch.ts UNCLAIMED). A stanza
// that every other area declined reaches the client as its XML text, so that a client can handle
// what the gateway does not map; size-capped and rate-limited per session.
// XMPP-FTW: xmpp-ftw-wtf lib/wtf.js (which, tried before the core areas, swallowed roster pushes,
// presence and chat too).
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

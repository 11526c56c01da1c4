// Presence — RFC 6121 §3–4 (subscriptions, availability), XEP-0115 1.6 caps on presence.
// XMPP-FTW: lib/presence.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

// Roster — RFC 6121 §2 (get, set, remove, pushes). XMPP-FTW: lib/roster.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

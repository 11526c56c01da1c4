// Chat — RFC 6121 §5 messages, with XEP-0085 chat states (2.1), XEP-0184 receipts (1.4),
// XEP-0308 last message correction (1.2), XEP-0203 delay (2.0), XEP-0071 XHTML-IM (1.5).
// XMPP-FTW: lib/chat.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

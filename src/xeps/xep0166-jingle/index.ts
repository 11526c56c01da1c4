// Jingle — XEP-0166 1.1.2 (https://xmpp.org/extensions/xep-0166.html) signalling, in XMPP-FTW's
// 2013 JSON: RTP sessions (XEP-0167 1.2) over ICE-UDP (XEP-0176 1.1) with DTLS-SRTP fingerprints
// (XEP-0320 1.0), RTCP feedback (XEP-0293), header extensions (XEP-0294), content groups
// (XEP-0338) and sources (XEP-0339). The gateway relays the signalling; media flows between the
// clients. Incoming requests are held until the client acknowledges them.
// XMPP-FTW: xmpp-ftw-jingle lib/jingle.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

// HTTP File Upload — XEP-0363 1.1.0 (https://xmpp.org/extensions/xep-0363.html): discovery of the
// upload service (§3) and slot requests (§4). The upload itself (the HTTP PUT) is done by the client,
// or by the gateway's HTTP thread for POST /v1/upload (src/http/upload.ts): the worker only asks for slots.
// Not in XMPP-FTW (a gateway addition, docs/differences.md).
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

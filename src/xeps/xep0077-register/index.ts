// XEP-0077 In-Band Registration 2.4 (https://xmpp.org/extensions/xep-0077.html): register with a
// service, change the password, cancel a registration (all within a session), and, without a
// session, create an account on a server before authenticating (§3.1; POST /v1/register, the
// sessionless action of ./account.ts). XMPP-FTW: xmpp-ftw-register lib/register.js.
import { area } from '../area.js';
import { api } from './api.js';

export default area(api, () => import('./worker.js'));

// Multi-user chat end to end against ejabberd 23.01's mod_muc: the suite is test/xmpp/suites/muc.ts
// (muc.test.ts runs it against Prosody).
import { mucSuite } from '../../xmpp/suites/muc.js';

await mucSuite('ejabberd');

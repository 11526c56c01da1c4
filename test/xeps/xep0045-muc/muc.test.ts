// Multi-user chat end to end against Prosody 0.12's MUC: the suite is test/xmpp/suites/muc.ts
// (muc-ejabberd.test.ts runs it against ejabberd).
import { mucSuite } from '../../xmpp/suites/muc.js';

await mucSuite('prosody');

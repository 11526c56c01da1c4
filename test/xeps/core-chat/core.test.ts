// XMPP Core end to end against Prosody 0.12: the suite is test/xmpp/suites/core.ts
// (core-ejabberd.test.ts runs it against ejabberd).
import { coreSuite } from '../../xmpp/suites/core.js';

await coreSuite('prosody');

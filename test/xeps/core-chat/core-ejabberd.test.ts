// XMPP Core end to end against ejabberd 23.01: the suite is test/xmpp/suites/core.ts
// (core.test.ts runs it against Prosody).
import { coreSuite } from '../../xmpp/suites/core.js';

await coreSuite('ejabberd');

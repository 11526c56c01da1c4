// SCRAM-SHA-1: 20 logins at once through the gateway (the stock @xmpp/client mechanism needs ~0.9 s
// of CPU per login; ours derives keys on the thread pool). The RFC test vectors: test/unit/scram.test.ts.
import t from 'tap';
import { startProsody } from '../helpers/prosody.js';
import { startGateway } from '../helpers/gateway.js';

t.test('20 sessions log in at once with SCRAM-SHA-1', async (t) => {
  const prosody = await startProsody({ users: 20 });
  const gw = await startGateway(prosody);
  t.teardown(async () => {
    await gw.close();
    await prosody.stop();
  });
  const results = await Promise.all(prosody.users.map((u) => gw.login(u, { resource: 'many' })));
  t.equal(results.length, 20);
  t.equal(new Set(results.map((r) => r.token)).size, 20, 'twenty distinct sessions');
  for (const [i, r] of results.entries()) t.equal(r.jid.user, prosody.users[i]!.username);
  const log = await import('node:fs/promises').then((fs) => fs.readFile(prosody.logFile, 'utf8'));
  t.notMatch(log, /mechanism PLAIN|PLAIN auth/i, 'no PLAIN authentication on the unencrypted stream');
});

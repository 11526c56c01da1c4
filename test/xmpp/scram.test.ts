// SCRAM-SHA-1: the RFC 5802 test vector, and 20 logins at once through the gateway (the stock
// @xmpp/client mechanism needs ~0.9 s of CPU per login; ours derives keys on the thread pool).
import t from 'tap';
import { ScramSha1Mechanism } from '../../src/workers/scram.js';
import { startProsody } from '../helpers/prosody.js';
import { startGateway } from '../helpers/gateway.js';

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

t.test('RFC 5802 §5 example exchange', async (t) => {
  const mech = new ScramSha1Mechanism('fyko+d2lbbFgONRv9qkxdawL');
  const cred = { username: 'user', password: 'pencil' };
  t.equal(await mech.response(cred), 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
  mech.challenge(latin1('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
  t.equal(await mech.response(cred), 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
  t.doesNotThrow(() => mech.challenge(latin1('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')), 'the server signature verifies');
  const other = new ScramSha1Mechanism('fyko+d2lbbFgONRv9qkxdawL');
  await other.response(cred);
  other.challenge(latin1('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
  await other.response(cred);
  t.throws(() => other.challenge(latin1('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=')), /signature/);
});

t.test('a server nonce that does not extend ours is refused', async (t) => {
  const mech = new ScramSha1Mechanism('abc');
  await mech.response({ username: 'u', password: 'p' });
  mech.challenge(latin1('r=zzz,s=QSXCR+Q6sek8bf92,i=4096'));
  await t.rejects(mech.response({ username: 'u', password: 'p' }), /invalid server-first/);
});

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

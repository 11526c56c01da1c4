// STARTTLS: offered by the server, negotiated by the gateway, with certificate verification on by
// default (a self-signed certificate is refused) and off only when configured.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { startProsody } from '../helpers/prosody.js';
import { startGateway } from '../helpers/gateway.js';

const prosody = await startProsody({ users: 2, tls: true });
t.teardown(() => prosody.stop());
const [alice] = prosody.users as [(typeof prosody.users)[0]];

t.test('a self-signed certificate is refused when verification is on (the default)', async (t) => {
  const gw = await startGateway(prosody);
  t.teardown(() => gw.close());
  const res = await gw.post('/v1/login', { jid: alice.jid, password: alice.password, host: prosody.host, port: prosody.port });
  t.equal(res.status, 502, 'no silent fallback to plaintext');
  t.equal(res.body.condition, 'tls-failed', 'the TLS handshake failed, not the connection');
  t.match(
    res.body.description,
    /^The TLS handshake with the XMPP server failed: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
    'the reason is the certificate, with OpenSSL’s code',
  );
  t.notMatch(JSON.stringify(res.body), alice.password);
});

t.test('with XMPP_TLS_VERIFY=false the stream is encrypted and the login works', async (t) => {
  const gw = await startGateway(prosody, { tlsVerify: false });
  t.teardown(() => gw.close());
  const a = await gw.login(alice, { resource: 'tls' });
  t.ok(a.token);
  const log = await readFile(prosody.logFile, 'utf8');
  t.match(log, /TLS|tls/, 'the server logged the TLS negotiation');
  const c2sLines = log.split('\n').filter((l) => /c2s.*(secure|encrypted|TLSv1)/i.test(l));
  t.ok(c2sLines.length > 0, 'a c2s session was secured');
  t.equal((await gw.post('/v1/roster/get', {}, a.token)).status, 200);
});

// https: webhook receivers and push services (docs/api.md "Webhooks", "Web Push"; OUTBOUND_CA_FILE):
// a private CA made here with openssl signs one receiver's certificate and is trusted through
// OUTBOUND_CA_FILE; another receiver shows a self-signed certificate nobody trusts. Events come from
// a real peer through Prosody; the receivers are real https servers on loopback.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import { loadConfig } from '../../src/config.js';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway } from '../helpers/gateway.js';
import { PushEndpoint, vapidKeys } from '../helpers/push-endpoint.js';
import { Receiver } from './webhooks-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'outbound-https-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const SAN = 'subjectAltName=IP:127.0.0.1';
// The private CA, and a server certificate it signs for 127.0.0.1.
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
openssl(
  'req',
  '-x509',
  '-days',
  '1',
  ...EC,
  '-keyout',
  'ca.key',
  '-out',
  'ca.pem',
  '-subj',
  '/CN=Test CA',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign',
);
writeFileSync(join(dir, 'san.ext'), `${SAN}\n`);
openssl('req', ...EC, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1');
openssl(
  'x509',
  '-req',
  '-in',
  'srv.csr',
  '-CA',
  'ca.pem',
  '-CAkey',
  'ca.key',
  '-CAcreateserial',
  '-days',
  '1',
  '-out',
  'srv.pem',
  '-extfile',
  'san.ext',
);
// A certificate that signs itself: trusted by nobody.
openssl('req', '-x509', '-days', '1', ...EC, '-keyout', 'self.key', '-out', 'self.pem', '-subj', '/CN=127.0.0.1', '-addext', SAN);
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const trustedTls = { key: read('srv.key'), cert: read('srv.pem') };
const untrustedTls = { key: read('self.key'), cert: read('self.pem') };

const prosody = await startProsody({ users: 2 });
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const trusted = await Receiver.start({ tls: trustedTls });
const untrusted = await Receiver.start({ tls: untrustedTls });
const vapid = vapidKeys();
const pushTrusted = await PushEndpoint.start(vapid.publicKey, { tls: trustedTls });
const pushUntrusted = await PushEndpoint.start(vapid.publicKey, { tls: untrustedTls });
const gw = await startGateway(prosody, {
  workers: 1,
  outboundCaFile: join(dir, 'ca.pem'),
  webhookAllowedHosts: [trusted.host, untrusted.host],
  webhookAttempts: 2,
  webhookRetryBaseMs: 50,
  webhookRetryMaxMs: 60000,
  pushVapidPublicKey: vapid.publicKey,
  pushVapidPrivateKey: vapid.privateKey,
  pushVapidSubject: 'mailto:ops@example.org',
  pushAllowedHosts: [`127.0.0.1:${pushTrusted.port}`, `127.0.0.1:${pushUntrusted.port}`],
  pushAttempts: 2,
  pushRetryMs: 50,
});
const bob = await connectPeer(prosody, bobUser);
t.teardown(async () => {
  await bob.stop();
  await gw.close();
  for (const r of [trusted, untrusted, pushTrusted, pushUntrusted]) await r.close();
  await prosody.stop();
  rmSync(dir, { recursive: true, force: true });
});

const say = (resource: string, body: string) =>
  bob.send(xml('message', { to: `${aliceUser.jid}/${resource}`, type: 'chat', id: body }, xml('body', {}, body)));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('a webhook on an https: receiver whose certificate OUTBOUND_CA_FILE’s CA signed is delivered', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'h1' });
  const reg = await gw.post('/v1/webhooks', { url: trusted.url('/h1'), events: ['xmpp.chat.message'] }, a.token);
  t.equal(reg.status, 201);
  await say('h1', 'over tls');
  await trusted.until('the delivery', () => trusted.chats().includes('over tls'));
  t.same(trusted.chats(), ['over tls']);
  await gw.post('/v1/logout', {}, a.token);
});

t.test('a receiver with a certificate nobody trusts is never delivered to: failing, with the TLS reason', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'h2' });
  const reg = await gw.post('/v1/webhooks', { url: untrusted.url('/h2'), events: ['xmpp.chat.message'] }, a.token);
  t.equal(reg.status, 201);
  await say('h2', 'must not leave');
  const hook = await until('the webhook failing', async () => {
    const listed = await gw.post('/v1/webhooks/list', {}, a.token);
    return listed.body.webhooks.find((w: { state: string }) => w.state === 'failing');
  });
  t.match(hook, { id: reg.body.id, state: 'failing', pending: 1 });
  t.match(hook.lastError, /^TLS: self[- ]signed certificate/, `the last error names the certificate: ${String(hook.lastError)}`);
  t.ok(untrusted.connections >= 1, 'the gateway did connect');
  t.equal(untrusted.requests.length, 0, 'and sent no request: nothing went out before the certificate was refused');
  await gw.post('/v1/logout', {}, a.token);
});

t.test('push services over https: trusted through OUTBOUND_CA_FILE, refused with the TLS reason otherwise', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'h3' });
  const good = pushTrusted.subscription();
  const bad = pushUntrusted.subscription();
  t.equal((await gw.post('/v1/push/subscribe', good, a.token)).status, 201);
  const badReg = await gw.post('/v1/push/subscribe', bad, a.token);
  t.equal(badReg.status, 201);
  await say('h3', 'pushed over tls');
  await pushTrusted.until(() => pushTrusted.received.length > 0);
  t.equal(pushTrusted.received[0]!.error, undefined, 'VAPID verified, payload decrypted');
  t.match(pushTrusted.received[0]!.payload, { data: { content: 'pushed over tls' } });
  const failing = await until('the untrusted subscription failing', async () => {
    const listed = await gw.post('/v1/push/list', {}, a.token);
    return listed.body.subscriptions.find((s: { id: string; state: string }) => s.id === badReg.body.id && s.state === 'failing');
  });
  t.match(failing.lastError, /^TLS: self[- ]signed certificate/);
  t.equal(pushUntrusted.received.length, 0, 'nothing reached the untrusted push service');
  await gw.post('/v1/logout', {}, a.token);
});

t.test('OUTBOUND_CA_FILE is checked at start-up: a missing file or one without certificates is refused', async (t) => {
  t.throws(() => loadConfig({ OUTBOUND_CA_FILE: join(dir, 'nope.pem') }), /OUTBOUND_CA_FILE.*cannot be read/);
  t.throws(() => loadConfig({ OUTBOUND_CA_FILE: join(dir, 'san.ext') }), /OUTBOUND_CA_FILE.*PEM file of certificates/);
  t.equal(loadConfig({ OUTBOUND_CA_FILE: join(dir, 'ca.pem') }).outboundCaFile, join(dir, 'ca.pem'));
});

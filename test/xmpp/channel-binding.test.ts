// SCRAM -PLUS channel binding (RFC 5802 §6): which binding is chosen for which TLS version and
// offer, what the GS2 header and the proof's channel-binding attribute carry, and against ejabberd
// 23.01 (it knows tls-unique only and advertises no XEP-0440 feature): on a STARTTLS listener capped
// at TLS 1.2 the gateway logs in with SCRAM-SHA-*-PLUS and tls-unique, ejabberd checks the binding
// (a wrong one is refused), and a host that offers no -PLUS gets `y` and accepts it.
import t from 'tap';
import tls from 'node:tls';
import type { Element } from 'ltx';
import { ScramError, ScramSha256Mechanism, ScramSha256PlusMechanism } from '../../src/workers/scram.js';
import { channelBindingFlag, chooseChannelBinding, chooseMechanism, createXmppClient } from '../../src/workers/xmpp-client.js';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startGateway } from '../helpers/gateway.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

t.test('the binding for each TLS version, with and without XEP-0440', async (t) => {
  t.equal(chooseChannelBinding('TLSv1.2', undefined), 'tls-unique', 'TLS 1.2 without XEP-0440: tls-unique (RFC 5802 §6)');
  t.equal(chooseChannelBinding('TLSv1.3', undefined), undefined, 'TLS 1.3 without XEP-0440: no guess');
  t.equal(chooseChannelBinding('TLSv1.3', ['tls-exporter', 'tls-server-end-point']), 'tls-exporter', 'RFC 9266');
  t.equal(chooseChannelBinding('TLSv1.3', ['tls-unique']), undefined, 'tls-unique is undefined on TLS 1.3');
  t.equal(chooseChannelBinding('TLSv1.2', ['tls-exporter']), undefined, 'only what the server advertised');
  t.equal(chooseChannelBinding('TLSv1.2', ['tls-unique']), 'tls-unique');
  t.equal(chooseChannelBinding(null, undefined), undefined, 'no TLS, no binding');
  t.equal(chooseChannelBinding('unknown', undefined), undefined);
});

t.test('-PLUS is chosen only with a binding; y only when no -PLUS is offered on TLS', async (t) => {
  const offer = ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'];
  const bound = { secure: true, allowPlain: true, channelBinding: 'tls-unique' as const };
  t.same(chooseMechanism(offer, bound), { mechanism: 'SCRAM-SHA-256-PLUS' });
  t.same(chooseMechanism(offer, { secure: true, allowPlain: true }), { mechanism: 'SCRAM-SHA-256' }, 'no binding: no -PLUS');
  t.same(chooseMechanism(offer, { ...bound, secure: false }), { mechanism: 'SCRAM-SHA-256' }, 'never -PLUS without TLS');
  t.same(chooseMechanism(['SCRAM-SHA-512', 'SCRAM-SHA-1-PLUS'], bound), { mechanism: 'SCRAM-SHA-1-PLUS' }, 'a bound exchange first');
  t.equal(channelBindingFlag(['SCRAM-SHA-256'], true), 'y', 'TLS, no -PLUS offered: y (downgrade protection)');
  t.equal(channelBindingFlag(offer, true), 'n', '-PLUS offered but not used: n');
  t.equal(channelBindingFlag(['SCRAM-SHA-256'], false), 'n', 'no TLS: n');
});

t.test('the GS2 header and the channel-binding attribute (RFC 5802 §7)', async (t) => {
  const data = Buffer.from('0123456789ab');
  const serverFirst = `r=cnonceSERVER,s=${b64('salt')},i=4096`;
  const plus = new ScramSha256PlusMechanism('cnonce');
  t.equal(
    await plus.response({ username: 'u', password: 'p', channelBinding: { flag: 'p', type: 'tls-unique', data } }),
    'p=tls-unique,,n=u,r=cnonce',
  );
  plus.challenge(serverFirst);
  const final = await plus.response({ username: 'u', password: 'p' });
  t.match(final, new RegExp(`^c=${b64(Buffer.concat([Buffer.from('p=tls-unique,,'), data])).replace(/[+/]/g, '\\$&')},r=cnonceSERVER,p=`));

  const yes = new ScramSha256Mechanism('cnonce');
  t.equal(await yes.response({ username: 'u', password: 'p', authzid: 'a', channelBinding: { flag: 'y' } }), 'y,a=a,n=u,r=cnonce');
  yes.challenge(serverFirst);
  t.match(await yes.response({ username: 'u', password: 'p', authzid: 'a' }), new RegExp(`^c=${b64('y,a=a,')},`));

  await t.rejects(new ScramSha256PlusMechanism().response({ username: 'u', password: 'p' }), ScramError, '-PLUS never without binding');
  await t.rejects(
    new ScramSha256Mechanism().response({ username: 'u', password: 'p', channelBinding: { flag: 'p', type: 'tls-unique', data } }),
    ScramError,
    'a binding only with -PLUS',
  );
});

const ejabberd = await startEjabberd({
  hosts: [
    { domain: 'localhost', scramHash: 'sha' },
    { domain: 'sha256.localhost', scramHash: 'sha256' },
    { domain: 'sha512.localhost', scramHash: 'sha512' },
    { domain: 'noplus.localhost', scramHash: 'sha256', disableMechanisms: ['SCRAM-SHA-256-PLUS'] },
  ],
  users: 2,
  tls: true,
  tlsMax12: true,
});
t.teardown(() => ejabberd.stop());
const tlsPort = ejabberd.tlsPort!;
const gw = await startGateway(ejabberd, { allowedHosts: [`${ejabberd.host}:${tlsPort}`], tlsVerify: false });
t.teardown(() => gw.close());

for (const [domain, mechanism] of [
  ['localhost', 'SCRAM-SHA-1-PLUS'],
  ['sha256.localhost', 'SCRAM-SHA-256-PLUS'],
  ['sha512.localhost', 'SCRAM-SHA-512-PLUS'],
] as const) {
  t.test(`ejabberd over TLS 1.2: ${mechanism} with tls-unique`, async (t) => {
    const [alice] = ejabberd.usersOf(domain);
    const res = await gw.post('/v1/login', { jid: alice!.jid, password: alice!.password, host: ejabberd.host, port: tlsPort });
    t.equal(res.status, 201);
    t.same(await ejabberd.acceptedMechanisms(alice!.jid), [mechanism], 'ejabberd accepted the bound exchange');
    t.equal((await gw.post('/v1/roster/get', {}, res.body.token)).status, 200, 'online');
    t.equal((await gw.post('/v1/logout', {}, res.body.token)).status, 200);
  });
}

/** One login with the worker's client in this process, recording the <auth/> it sends and the failure it gets. */
async function login(user: { username: string; jid: string; password: string }) {
  const client = createXmppClient({
    host: ejabberd.host,
    port: tlsPort,
    domain: user.jid.split('@')[1]!,
    username: user.username,
    password: user.password,
    resource: 'cb',
    timeoutMs: 5000,
    tlsVerify: false,
  });
  const sent: Element[] = [];
  client.on('send', (el: Element) => sent.push(el));
  // A refused binding may end in a reset: start() rejects with it; the emitted copy must not be uncaught.
  client.on('error', () => undefined);
  let error: unknown;
  try {
    await client.start();
  } catch (err) {
    error = err;
  }
  await client.stop().catch(() => {});
  const auth = sent.find((el) => el.is('auth'));
  return { auth: auth && { mechanism: auth.attrs.mechanism, first: Buffer.from(auth.text(), 'base64').toString('latin1') }, error };
}

t.test('ejabberd checks the binding: a wrong tls-unique is refused', async (t) => {
  const [, bob] = ejabberd.usersOf('sha256.localhost');
  const real = Object.getOwnPropertyDescriptor(tls.TLSSocket.prototype, 'getFinished')!;
  // The Finished message replaced by 12 other bytes, for this one login (restored below).
  Object.defineProperty(tls.TLSSocket.prototype, 'getFinished', { ...real, value: () => Buffer.alloc(12, 7) });
  let result: Awaited<ReturnType<typeof login>>;
  try {
    result = await login(bob!);
  } finally {
    Object.defineProperty(tls.TLSSocket.prototype, 'getFinished', real);
  }
  t.equal(result.auth?.mechanism, 'SCRAM-SHA-256-PLUS');
  t.match(result.auth?.first, /^p=tls-unique,,n=user2,r=/);
  // ejabberd answers <failure/> and closes at once; on a loaded machine the reset can overtake the failure
  // element (seen once in CI-like runs), so either is the refusal. What matters is asserted next: no login.
  t.match(String(result.error), /not-authorized - Invalid channel binding|ECONNRESET/, 'ejabberd refuses the binding');
  t.same(await ejabberd.acceptedMechanisms(bob!.jid, 1, 500), [], 'not authenticated');
  const right = await login(bob!);
  t.equal(right.error, undefined, 'the real one is accepted');
  t.same(await ejabberd.acceptedMechanisms(bob!.jid), ['SCRAM-SHA-256-PLUS']);
});

t.test('a host that offers no -PLUS over TLS: y, and ejabberd accepts it', async (t) => {
  const [alice] = ejabberd.usersOf('noplus.localhost');
  const result = await login(alice!);
  t.equal(result.error, undefined);
  t.equal(result.auth?.mechanism, 'SCRAM-SHA-256');
  t.match(result.auth?.first, /^y,,n=user1,r=/, 'y: the gateway could bind, the server offered no -PLUS');
  t.same(await ejabberd.acceptedMechanisms(alice!.jid), ['SCRAM-SHA-256']);
});

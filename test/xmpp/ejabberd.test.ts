// Interoperability with ejabberd 23.01 (test/helpers/ejabberd.ts): one node with a virtual host per
// SASL set-up. Logins and a chat between two sessions with SCRAM-SHA-1, -256 and -512 (each host
// stores one hash, auth_scram_hash, and offers only its mechanism: ejabberd's log names the one
// accepted), a wrong password, and a host that offers only PLAIN: refused honestly on a plaintext
// stream or when PLAIN is turned off, used over TLS.
import t from 'tap';
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startGateway } from '../helpers/gateway.js';

const NOT_PLAIN = [
  'DIGEST-MD5',
  'SCRAM-SHA-1',
  'SCRAM-SHA-1-PLUS',
  'SCRAM-SHA-256',
  'SCRAM-SHA-256-PLUS',
  'SCRAM-SHA-512',
  'SCRAM-SHA-512-PLUS',
  'X-OAUTH2',
];
const ejabberd = await startEjabberd({
  hosts: [
    { domain: 'localhost', scramHash: 'sha' },
    { domain: 'sha256.localhost', scramHash: 'sha256' },
    { domain: 'sha512.localhost', scramHash: 'sha512' },
    { domain: 'plain.localhost', passwordFormat: 'plain', disableMechanisms: NOT_PLAIN },
  ],
  tls: true,
});
t.teardown(() => ejabberd.stop());
t.comment(`ejabberd ${ejabberd.node}: c2s up in ${ejabberd.timings.startMs} ms, 8 accounts registered by ${ejabberd.timings.readyMs} ms`);
const tlsPort = ejabberd.tlsPort!;
const allowedHosts = [`${ejabberd.host}:${ejabberd.port}`, `${ejabberd.host}:${tlsPort}`];

const gw = await startGateway(ejabberd, { allowedHosts, tlsVerify: false });
t.teardown(() => gw.close());

for (const [domain, mechanism] of [
  ['localhost', 'SCRAM-SHA-1'],
  ['sha256.localhost', 'SCRAM-SHA-256'],
  ['sha512.localhost', 'SCRAM-SHA-512'],
] as const) {
  t.test(`${mechanism}: two sessions log in and chat`, async (t) => {
    const [alice, bob] = ejabberd.usersOf(domain) as [(typeof ejabberd.users)[0], (typeof ejabberd.users)[0]];
    const a = await gw.login(alice, { resource: 'gw' });
    const b = await gw.login(bob, { resource: 'gw' });
    t.same(a.jid, { user: alice.username, domain, resource: 'gw' });
    t.same(await ejabberd.acceptedMechanisms(alice.jid), [mechanism], `ejabberd accepted ${mechanism} for ${alice.jid}`);
    t.same(await ejabberd.acceptedMechanisms(bob.jid), [mechanism], `and for ${bob.jid}`);
    const stream = await gw.events({ token: b.token });
    await stream.nextEvent('xmpp.connection');
    const sent = await gw.post('/v1/chat/message', { to: `${bob.jid}/gw`, content: `hello over ${mechanism}` }, a.token);
    t.equal(sent.status, 200);
    const got = await stream.next((e) => e.event === 'xmpp.chat.message' && e.data.content === `hello over ${mechanism}`);
    t.same(got.data.from, { user: alice.username, domain, resource: 'gw' }, 'the message arrives from the other session');
    t.equal((await gw.post('/v1/logout', {}, a.token)).status, 200);
    t.equal((await gw.post('/v1/logout', {}, b.token)).status, 200);
  });
}

t.test('a wrong password is 401 login-fail', async (t) => {
  const [alice] = ejabberd.usersOf('sha256.localhost');
  const res = await gw.post('/v1/login', { jid: alice!.jid, password: 'not-the-password', host: ejabberd.host, port: ejabberd.port });
  t.equal(res.status, 401);
  t.same(res.body, { type: 'auth', condition: 'login-fail', description: 'XMPP authentication fail' });
});

t.test('over TLS, SCRAM is chosen over PLAIN (ejabberd offers PLAIN, SCRAM-SHA-256 and SCRAM-SHA-256-PLUS)', async (t) => {
  const [, bob] = ejabberd.usersOf('sha256.localhost');
  const before = (await ejabberd.acceptedMechanisms(bob!.jid)).length;
  const res = await gw.post('/v1/login', { jid: bob!.jid, password: bob!.password, host: ejabberd.host, port: tlsPort });
  t.equal(res.status, 201);
  t.same((await ejabberd.acceptedMechanisms(bob!.jid, before + 1)).slice(before), ['SCRAM-SHA-256']);
  t.equal((await gw.post('/v1/logout', {}, res.body.token)).status, 200);
});

t.test('a server offering only PLAIN', async (t) => {
  const [alice] = ejabberd.usersOf('plain.localhost') as [(typeof ejabberd.users)[0]];
  const login = (port: number) => ({ jid: alice.jid, password: alice.password, host: ejabberd.host, port });

  await t.test('on a plaintext stream: 502 no-usable-mechanism, with what was offered, and one warn line', async (t) => {
    let logs = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const config = loadConfig(
      {},
      { workers: 1, allowedHosts, logLevel: 'warn', loginRatePerAddress: 0, loginFailuresPerAddress: 0, loginFailuresPerJid: 0 },
    );
    const app = await buildApp({ config, logger: { stream: sink } });
    t.teardown(() => app.close());
    const res = await app.inject({ method: 'POST', url: '/v1/login', payload: login(ejabberd.port) });
    t.equal(res.statusCode, 502, 'not 401: no password would help');
    const body = res.json();
    t.same(body, {
      type: 'cancel',
      condition: 'no-usable-mechanism',
      description:
        'The server offers none of the mechanisms this gateway speaks: SCRAM-SHA-512, SCRAM-SHA-256, SCRAM-SHA-1, PLAIN (over TLS only). ' +
        'PLAIN is offered on an unencrypted stream, where the gateway never sends a password',
      offered: ['PLAIN'],
    });
    const lines = logs
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; condition?: string; offered?: string[] });
    const warns = lines.filter((l) => l.condition === 'no-usable-mechanism');
    t.equal(warns.length, 1, 'one line');
    t.equal(warns[0]?.level, 40, 'at warn');
    t.same(warns[0]?.offered, ['PLAIN']);
    t.notMatch(logs, alice.password, 'never the password');
    // That nothing authenticated is checked below: ejabberd's log holds one PLAIN login, the one over TLS.
  });

  await t.test('over TLS: PLAIN is used', async (t) => {
    const res = await gw.post('/v1/login', login(tlsPort));
    t.equal(res.status, 201);
    t.same(await ejabberd.acceptedMechanisms(alice.jid), ['PLAIN'], 'ejabberd accepted PLAIN, this once');
    t.equal((await gw.post('/v1/logout', {}, res.body.token)).status, 200);
  });

  await t.test('over TLS with XMPP_ALLOW_PLAIN=false: 502 no-usable-mechanism, saying PLAIN is turned off', async (t) => {
    const strict = await startGateway(ejabberd, { allowedHosts, tlsVerify: false, allowPlain: false });
    t.teardown(() => strict.close());
    const res = await strict.post('/v1/login', login(tlsPort));
    t.equal(res.status, 502);
    t.equal(res.body.condition, 'no-usable-mechanism');
    t.match(res.body.description, /PLAIN is offered but turned off here \(XMPP_ALLOW_PLAIN=false\)$/);
    t.same(res.body.offered, ['PLAIN']);
    // A later login of another account marks the log: once its line is there, an earlier one would be too.
    const [, marker] = ejabberd.usersOf('plain.localhost');
    const other = await gw.post('/v1/login', { jid: marker!.jid, password: marker!.password, host: ejabberd.host, port: tlsPort });
    t.equal(other.status, 201);
    t.same(await ejabberd.acceptedMechanisms(marker!.jid), ['PLAIN']);
    t.same(await ejabberd.acceptedMechanisms(alice.jid), ['PLAIN'], 'no new authentication of the refused account');
  });
});

t.test('TLS verification on: ejabberd’s self-signed certificate is refused, saying why', async (t) => {
  const verifying = await startGateway(ejabberd, { allowedHosts });
  t.teardown(() => verifying.close());
  const [alice] = ejabberd.usersOf('sha512.localhost');
  const res = await verifying.post('/v1/login', { jid: alice!.jid, password: alice!.password, host: ejabberd.host, port: tlsPort });
  t.equal(res.status, 502);
  t.equal(res.body.condition, 'tls-failed');
  t.match(
    res.body.description,
    /^The TLS handshake with the XMPP server failed: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
  );
});

// SCRAM test vectors: RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3 (SCRAM-SHA-256). SCRAM-SHA-512 has
// no RFC vector: its values below were computed from the RFC 7677 exchange (same user, password,
// nonces, salt and iteration count) with Python's hashlib.pbkdf2_hmac and hmac, an implementation
// independent of this one that reproduces both RFC vectors exactly. Plus the mechanism choice.
import t from 'tap';
import { MAX_ITERATIONS, ScramSha1Mechanism, ScramSha256Mechanism, ScramSha512Mechanism } from '../../src/workers/scram.js';
import { chooseMechanism } from '../../src/workers/xmpp-client.js';

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const cred = { username: 'user', password: 'pencil' };

const vectors = [
  {
    name: 'RFC 5802 §5, SCRAM-SHA-1',
    Mech: ScramSha1Mechanism,
    cnonce: 'fyko+d2lbbFgONRv9qkxdawL',
    serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
    clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
  },
  {
    name: 'RFC 7677 §3, SCRAM-SHA-256',
    Mech: ScramSha256Mechanism,
    cnonce: 'rOprNGfwEbeRWgbNEkqO',
    serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  },
  {
    name: 'the RFC 7677 exchange with SHA-512 (values from Python hashlib)',
    Mech: ScramSha512Mechanism,
    cnonce: 'rOprNGfwEbeRWgbNEkqO',
    serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    clientFinal:
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,' +
      'p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==',
    serverFinal: 'v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw==',
  },
];

for (const v of vectors) {
  t.test(v.name, async (t) => {
    const mech = new v.Mech(v.cnonce);
    t.equal(await mech.response(cred), `n,,n=user,r=${v.cnonce}`, 'client-first');
    mech.challenge(latin1(v.serverFirst));
    t.equal(await mech.response(cred), v.clientFinal, 'client-final with the proof');
    t.notOk(mech.serverVerified, 'not verified before the server-final message');
    t.doesNotThrow(() => mech.verifyServerFinal(latin1(v.serverFinal)), 'the server signature verifies (server-final in <success/>)');
    t.ok(mech.serverVerified);

    const asChallenge = new v.Mech(v.cnonce);
    await asChallenge.response(cred);
    asChallenge.challenge(latin1(v.serverFirst));
    await asChallenge.response(cred);
    asChallenge.challenge(latin1(v.serverFinal));
    t.ok(asChallenge.serverVerified, 'server-final as a challenge verifies too');
    t.equal(await asChallenge.response(cred), '', 'and is answered with an empty response');

    const forged = new v.Mech(v.cnonce);
    await forged.response(cred);
    forged.challenge(latin1(v.serverFirst));
    await forged.response(cred);
    const wrong = Buffer.alloc(Buffer.from(v.serverFinal.slice(2), 'base64').length).toString('base64');
    t.throws(() => forged.verifyServerFinal(latin1(`v=${wrong}`)), /signature mismatch/, 'a wrong signature is refused');
    t.throws(() => forged.verifyServerFinal(latin1('v=AAAA')), /signature mismatch/, 'a signature of the wrong length is refused');
    t.throws(() => forged.verifyServerFinal(latin1('e=invalid-proof')), /server error invalid-proof/, 'a server error is reported');
    t.notOk(forged.serverVerified);
  });
}

t.test('the mechanisms name themselves as @xmpp/sasl expects', async (t) => {
  t.equal(new ScramSha1Mechanism().name, 'SCRAM-SHA-1');
  t.equal(new ScramSha256Mechanism().name, 'SCRAM-SHA-256');
  t.equal(new ScramSha512Mechanism().name, 'SCRAM-SHA-512');
  t.ok(new ScramSha512Mechanism().clientFirst);
});

t.test('a server nonce that does not extend ours is refused', async (t) => {
  const mech = new ScramSha256Mechanism('abc');
  await mech.response({ username: 'u', password: 'p' });
  mech.challenge(latin1('r=zzz,s=QSXCR+Q6sek8bf92,i=4096'));
  await t.rejects(mech.response({ username: 'u', password: 'p' }), /invalid server-first/);
});

t.test('a mandatory extension, or more iterations than MAX_ITERATIONS, is refused before any key derivation', async (t) => {
  const ext = new ScramSha256Mechanism('abc');
  await ext.response(cred);
  ext.challenge(latin1('m=future,r=abcdef,s=QSXCR+Q6sek8bf92,i=4096'));
  await t.rejects(ext.response(cred), /unsupported mandatory extension/);
  const slow = new ScramSha512Mechanism('abc');
  await slow.response(cred);
  slow.challenge(latin1(`r=abcdef,s=QSXCR+Q6sek8bf92,i=${MAX_ITERATIONS + 1}`));
  const started = Date.now();
  await t.rejects(slow.response(cred), /iteration count \d+ above \d+/);
  t.ok(Date.now() - started < 200, 'refused at once');
});

t.test('an authorization identity is bound into the channel-binding attribute', async (t) => {
  const mech = new ScramSha256Mechanism('abc');
  const withAuthz = { ...cred, authzid: 'admin@example.org' };
  t.equal(await mech.response(withAuthz), 'n,a=admin@example.org,n=user,r=abc');
  mech.challenge(latin1('r=abcdef,s=QSXCR+Q6sek8bf92,i=1'));
  const final = await mech.response(withAuthz);
  t.match(final, `c=${Buffer.from('n,a=admin@example.org,').toString('base64')},r=abcdef,p=`, 'c= is the base64 of the gs2 header');
});

t.test('mechanism choice: SCRAM-SHA-512 > SCRAM-SHA-256 > SCRAM-SHA-1, PLAIN only without SCRAM, over TLS, when allowed', async (t) => {
  const open = { secure: false, allowPlain: true };
  const tls = { secure: true, allowPlain: true };
  const all = ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'SCRAM-SHA-512-PLUS'];
  t.same(chooseMechanism(all, tls), { mechanism: 'SCRAM-SHA-512' });
  t.same(chooseMechanism(['SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN'], tls), { mechanism: 'SCRAM-SHA-256' });
  t.same(chooseMechanism(['PLAIN', 'SCRAM-SHA-1'], tls), { mechanism: 'SCRAM-SHA-1' }, 'SCRAM even where PLAIN comes first');
  t.same(chooseMechanism(['SCRAM-SHA-1'], open), { mechanism: 'SCRAM-SHA-1' }, 'SCRAM on a plaintext stream');
  t.same(
    chooseMechanism(['PLAIN', 'SCRAM-SHA-256-PLUS'], tls),
    { mechanism: 'PLAIN' },
    'PLAIN over TLS when no SCRAM it speaks is offered',
  );
  const plaintext = chooseMechanism(['PLAIN', 'SCRAM-SHA-256-PLUS'], open);
  t.ok('refused' in plaintext && /unencrypted/.test(plaintext.refused ?? ''), 'PLAIN never on a plaintext stream');
  const off = chooseMechanism(['PLAIN'], { secure: true, allowPlain: false });
  t.ok('refused' in off && /XMPP_ALLOW_PLAIN=false/.test(off.refused ?? ''), 'PLAIN never when turned off');
  t.same(chooseMechanism(['X-OAUTH2', 'EXTERNAL'], tls), { refused: undefined }, 'nothing known: no reason beyond the list');
  t.same(chooseMechanism([], tls), { refused: undefined });
});

// The pure parts of webhooks: the Standard Webhooks signature (its specification's test vector) and
// WEBHOOK_ALLOWED_HOSTS matching and address checks (src/webhooks/targets.ts). No network beyond the
// resolver's view of `localhost`.
import t from 'tap';
import { secretKey, sign, verify, newWebhookSecret } from '../../src/webhooks/signature.js';
import { checkTarget, isListed, isPrivateAddress, publicOnlyLookup } from '../../src/webhooks/targets.js';

t.test('the Standard Webhooks test vector signs and verifies', async (t) => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  t.equal(sign(secretKey(secret), 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body), expected);
  t.ok(verify(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body, `v1,bm90IGl0 ${expected}`), 'one of several signatures');
  t.notOk(verify(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265331, body, expected), 'another timestamp');
  t.notOk(verify(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, `${body} `, expected), 'another body');
  const fresh = newWebhookSecret();
  t.match(fresh, /^whsec_[A-Za-z0-9+/]{32}$/, '24 random bytes in base64');
  t.not(fresh, newWebhookSecret());
});

t.test('allow-list entries: host is the scheme’s default port, host:port exactly, [v6]:port', async (t) => {
  const list = ['hooks.example.org', 'internal.test:8443', '[fd00::1]:9000', '10.0.0.5:80'];
  t.ok(isListed(list, new URL('https://hooks.example.org/x')));
  t.ok(isListed(list, new URL('http://hooks.example.org/x')));
  t.notOk(isListed(list, new URL('https://hooks.example.org:8443/x')), 'a host entry is not any port');
  t.ok(isListed(list, new URL('https://internal.test:8443/')));
  t.notOk(isListed(list, new URL('https://internal.test/')));
  t.ok(isListed(list, new URL('http://[fd00::1]:9000/')));
  t.ok(isListed(list, new URL('http://10.0.0.5/')));
  t.notOk(isListed(['*'], new URL('http://10.0.0.5/')), '* never lists a host: the address check decides');
});

t.test('private, loopback, link-local and reserved addresses', async (t) => {
  for (const a of ['127.0.0.1', '10.2.3.4', '172.31.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1']) {
    t.ok(isPrivateAddress(a), a);
  }
  for (const a of ['::1', '::', 'fe80::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'ff02::1'])
    t.ok(isPrivateAddress(a), a);
  for (const a of ['93.184.215.14', '1.1.1.1', '::ffff:1.1.1.1', '2606:4700:4700::1111']) t.notOk(isPrivateAddress(a), a);
  t.ok(isPrivateAddress('not-an-address'), 'anything unparsable is refused');
});

/** The error a promise rejects with (undefined if it resolves). */
const refusal = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err;
  }
};

t.test('checkTarget: listed hosts go as they are; * checks the address; the refusals say why', async (t) => {
  t.notOk((await checkTarget(['127.0.0.1:9'], 'http://127.0.0.1:9/h')).lookup, 'a listed host needs no address check');
  const open = await checkTarget(['*'], 'https://1.1.1.1/hook');
  t.equal(open.url.href, 'https://1.1.1.1/hook');
  t.equal(open.lookup, publicOnlyLookup, 'hosts reached through * are checked again at each connection');
  t.match(await refusal(checkTarget(['*'], 'http://127.0.0.1/')), { status: 403, body: { condition: 'host-not-allowed' } });
  t.match(await refusal(checkTarget(['*'], 'http://localhost:8080/')), {
    status: 403,
    body: { description: /^Webhook target localhost:8080 resolves to .*, a loopback, private or reserved address/ },
  });
  t.match(await refusal(checkTarget([], 'https://1.1.1.1/')), {
    status: 403,
    body: { description: 'Webhooks are off on this gateway (WEBHOOK_ALLOWED_HOSTS is empty)' },
  });
  t.match(await refusal(checkTarget(['*'], 'file:///etc/passwd')), { status: 400 });
  t.match(await refusal(checkTarget(['*'], 'https://user:pw@1.1.1.1/')), { status: 400 });
});

t.test('the connection-time lookup refuses a name that resolves to loopback', async (t) => {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup('localhost', {}, (e) => resolve(e)));
  t.match(err, { code: 'EWEBHOOKPRIVATE', message: /localhost resolves to .*not a public address/ });
});

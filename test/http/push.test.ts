// Web Push (docs/api.md "Web Push"): a session's chosen events pushed to a local push service
// (test/helpers/push-endpoint.ts) that verifies the VAPID JWT and decrypts the aes128gcm payload with
// the browser subscription's private key. Events come from a real peer through Prosody.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { PushEndpoint, vapidKeys } from '../helpers/push-endpoint.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const prosody = await startProsody({ users: 4 });
const [aliceUser, bobUser, carolUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const vapid = vapidKeys();
const endpoint = await PushEndpoint.start(vapid.publicKey);
const pushSettings = {
  pushVapidPublicKey: vapid.publicKey,
  pushVapidPrivateKey: vapid.privateKey,
  pushVapidSubject: 'mailto:ops@example.org',
  pushAllowedHosts: [`127.0.0.1:${endpoint.port}`, '*.push.example.org'],
  pushRetryMs: 50,
};
const gw = await startGateway(prosody, pushSettings);
const idle = await startGateway(prosody, { ...pushSettings, workers: 1, idleTimeoutS: 2 });
const lifetime = await startGateway(prosody, { ...pushSettings, workers: 1, idleTimeoutS: 2, sessionMaxLifetimeS: 3 });
const off = await startGateway(prosody, { workers: 1 });
const bob = await connectPeer(prosody, bobUser);
t.teardown(async () => {
  await bob.stop();
  for (const g of [gw, idle, lifetime, off]) await g.close();
  await endpoint.close();
  await prosody.stop();
});

const say = (to: string, body: string) => bob.send(xml('message', { to, type: 'chat', id: body }, xml('body', {}, body)));
const pushedAt = (path: string) => endpoint.received.filter((r) => r.path === path);
const contents = (path: string) => pushedAt(path).map((r) => r.payload?.data?.content as string | undefined);
const pathOf = (url: string) => new URL(url).pathname;
const metric = async (g: TestGateway, name: string) => {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
};

t.test('GET /v1/push/key gives the VAPID public key; without VAPID keys Web Push is off (501)', async (t) => {
  const res = await fetch(`${gw.url}/v1/push/key`);
  t.equal(res.status, 200);
  t.same(await res.json(), { publicKey: vapid.publicKey });
  const offKey = await fetch(`${off.url}/v1/push/key`);
  t.equal(offKey.status, 501);
  t.match(await offKey.json(), { condition: 'feature-not-implemented' });
  const o = await off.login(aliceUser, { resource: 'off' });
  const sub = await off.post('/v1/push/subscribe', endpoint.subscription(), o.token);
  t.equal(sub.status, 501);
  await off.post('/v1/logout', {}, o.token);
});

t.test('a chat message while no stream is open arrives encrypted and VAPID-signed, and decrypts to { id, event, data }', async (t) => {
  const before = await metric(gw, 'gateway_push_deliveries_total');
  const a = await gw.login(aliceUser, { resource: 'p1' });
  const browser = endpoint.subscription();
  const reg = await gw.post('/v1/push/subscribe', browser, a.token);
  t.equal(reg.status, 201);
  t.match(reg.body.id, /^wp_/);
  await say(`${aliceUser.jid}/p1`, 'hello push');
  const path = pathOf(browser.endpoint);
  await endpoint.until(() => pushedAt(path).length > 0);
  const got = pushedAt(path)[0]!;
  t.equal(got.error, undefined, 'the VAPID JWT verified and the body decrypted');
  t.equal(got.status, 201);
  t.match(got.claims, { aud: endpoint.origin, sub: 'mailto:ops@example.org' });
  t.match(got.payload, { event: 'xmpp.chat.message', data: { content: 'hello push', from: { user: bobUser.username } } });
  t.match(got.payload.id, /^[0-9a-f]+-\d+$/, 'the event’s log cursor, to resume GET /v1/events from');
  t.equal(got.headers['content-encoding'], 'aes128gcm');
  t.equal(got.headers.urgency, 'high');
  t.equal(got.headers.ttl, '3600');
  t.equal((await metric(gw, 'gateway_push_deliveries_total')) - before, 1, 'the delivery is counted');
  const listed = await gw.post('/v1/push/list', {}, a.token);
  t.match(listed.body.subscriptions, [{ id: reg.body.id, endpoint: browser.endpoint, state: 'active', delivered: 1 }]);
  t.notOk('keys' in listed.body.subscriptions[0], 'keys are never listed');
  await gw.post('/v1/logout', {}, a.token);
  await sleep(300);
  t.same(
    pushedAt(path).map((r) => r.payload.event),
    ['xmpp.chat.message'],
    'the session’s end is not pushed, and ends the subscription',
  );
});

t.test('with an event stream open nothing is pushed; once it closes, pushes resume', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'p2' });
  const browser = endpoint.subscription();
  const path = pathOf(browser.endpoint);
  t.equal((await gw.post('/v1/push/subscribe', browser, a.token)).status, 201);
  const stream = await gw.events({ token: a.token });
  await stream.nextEvent('xmpp.connection');
  t.equal((await gw.post('/v1/push/list', {}, a.token)).body.paused, true, 'list says pushes are paused');
  await say(`${aliceUser.jid}/p2`, 'seen on the stream');
  await stream.next((e) => e.event === 'xmpp.chat.message' && e.data.content === 'seen on the stream');
  stream.close();
  // The gateway notices the closed stream when its socket closes: wait for that, boundedly.
  const deadline = Date.now() + 5000;
  while ((await gw.post('/v1/push/list', {}, a.token)).body.paused !== false && Date.now() < deadline) await sleep(50);
  t.equal((await gw.post('/v1/push/list', {}, a.token)).body.paused, false, 'not paused once the stream closed');
  await say(`${aliceUser.jid}/p2`, 'pushed after');
  await endpoint.until(() => contents(path).includes('pushed after'));
  // Pushes go in log order: had the first message been pushed, it would have come before this one.
  t.same(contents(path), ['pushed after'], 'nothing pushed while the stream was open, only what came after it closed');
  await gw.post('/v1/logout', {}, a.token);
});

t.test('room messages are pushed when they mention the nick or are private, not otherwise', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'p3' });
  const c = await gw.login(carolUser, { resource: 'p3' });
  const room = `pushroom@${prosody.mucDomain}`;
  const created = await gw.post('/v1/muc/create', { room, nick: 'Alice', instant: true }, a.token);
  t.equal(created.status, 200, JSON.stringify(created.body));
  const browser = endpoint.subscription();
  const path = pathOf(browser.endpoint);
  // Registered after the join: the nick is learnt from what the log holds.
  t.equal((await gw.post('/v1/push/subscribe', browser, a.token)).status, 201);
  t.equal((await gw.post('/v1/muc/join', { room, nick: 'carol' }, c.token)).status, 200);
  for (const content of ['nothing for her', 'hey alice, look', 'malice is not a mention', 'Alice: ping']) {
    t.equal((await gw.post('/v1/muc/message', { room, content }, c.token)).status, 200);
  }
  t.equal((await gw.post('/v1/muc/message', { room, to: 'Alice', content: 'just for you' }, c.token)).status, 200);
  t.equal((await gw.post('/v1/muc/message', { room, content: 'my own, Alice' }, a.token)).status, 200);
  await endpoint.until(() => contents(path).includes('just for you'));
  await sleep(500);
  t.same(contents(path), ['hey alice, look', 'Alice: ping', 'just for you']);
  t.ok(
    pushedAt(path).every((r) => r.payload.event === 'xmpp.muc.message' && r.error === undefined),
    'all room messages, all verified',
  );
  await gw.post('/v1/logout', {}, a.token);
  await gw.post('/v1/logout', {}, c.token);
});

t.test('a push service answering 410 ends the subscription; a 500 is retried', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'p4' });
  const gone = endpoint.subscription();
  const flaky = endpoint.subscription();
  const gonePath = pathOf(gone.endpoint);
  const flakyPath = pathOf(flaky.endpoint);
  let flakyCalls = 0;
  endpoint.answer = (p) => (p === gonePath ? 410 : p === flakyPath && ++flakyCalls === 1 ? 500 : 201);
  const goneBefore = await metric(gw, 'gateway_push_failures_total{reason="gone"}');
  t.equal((await gw.post('/v1/push/subscribe', gone, a.token)).status, 201);
  const kept = (await gw.post('/v1/push/subscribe', flaky, a.token)).body.id;
  await say(`${aliceUser.jid}/p4`, 'first');
  await endpoint.until(() => pushedAt(flakyPath).length === 2 && pushedAt(gonePath).length === 1);
  t.same(
    pushedAt(flakyPath).map((r) => r.status),
    [500, 201],
    'retried after a 500',
  );
  await sleep(200);
  t.same(
    (await gw.post('/v1/push/list', {}, a.token)).body.subscriptions.map((s: { id: string }) => s.id),
    [kept],
    'the 410 subscription is gone',
  );
  t.equal((await metric(gw, 'gateway_push_failures_total{reason="gone"}')) - goneBefore, 1);
  await say(`${aliceUser.jid}/p4`, 'second');
  await endpoint.until(() => contents(flakyPath).includes('second'));
  t.equal(pushedAt(gonePath).length, 1, 'nothing more to the removed one');
  endpoint.answer = () => 201;
  await gw.post('/v1/logout', {}, a.token);
});

t.test('allow-list: endpoints outside PUSH_ALLOWED_HOSTS, plain http through a wildcard, private addresses are refused', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'p5' });
  const keys = endpoint.subscription().keys;
  const sub = (url: string) => gw.post('/v1/push/subscribe', { endpoint: url, keys }, a.token);
  const notListed = await sub('https://push.elsewhere.example/x');
  t.equal(notListed.status, 403);
  t.match(notListed.body, {
    condition: 'host-not-allowed',
    description: 'Push service push.elsewhere.example:443 is not allowed by this gateway (PUSH_ALLOWED_HOSTS)',
  });
  t.equal((await sub(`http://localhost:${endpoint.port}/x`)).status, 403, 'a listed address under another name');
  t.equal((await sub('http://a.push.example.org/x')).status, 403, 'http: only for hosts listed by name');
  const priv = await sub('https://127.0.0.1.push.example.org/x');
  t.ok(priv.status === 400 || priv.status === 403, 'a wildcard host that does not resolve to a public address is refused');
  t.equal((await gw.post('/v1/push/list', {}, a.token)).body.subscriptions.length, 0);
  await gw.post('/v1/logout', {}, a.token);
});

t.test('bad bodies are 400 with the error shape', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'p6' });
  const good = endpoint.subscription();
  const bad: Array<[string, unknown]> = [
    ['no body', undefined],
    ['no keys', { endpoint: good.endpoint }],
    ['no endpoint', { keys: good.keys }],
    ['endpoint not a URL', { endpoint: 'not a url', keys: good.keys }],
    ['ftp endpoint', { endpoint: `ftp://127.0.0.1:${endpoint.port}/x`, keys: good.keys }],
    ['credentials in the endpoint', { endpoint: `http://u:p@127.0.0.1:${endpoint.port}/x`, keys: good.keys }],
    ['p256dh not base64url', { ...good, keys: { ...good.keys, p256dh: `${'+'.repeat(86)}A` } }],
    [
      'p256dh not on the curve',
      { ...good, keys: { ...good.keys, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') } },
    ],
    [
      'p256dh compressed',
      { ...good, keys: { ...good.keys, p256dh: Buffer.concat([Buffer.from([2]), Buffer.alloc(64, 1)]).toString('base64url') } },
    ],
    ['auth too short', { ...good, keys: { ...good.keys, auth: 'AAAA' } }],
    ['auth of 17 bytes', { ...good, keys: { ...good.keys, auth: Buffer.alloc(17, 7).toString('base64url') } }],
    ['unknown event', { ...good, events: ['xmpp.no.such.event'] }],
    ['extra property', { ...good, colour: 'red' }],
    ['extra key', { ...good, keys: { ...good.keys, extra: 'x' } }],
  ];
  for (const [what, body] of bad) {
    const res = await gw.post('/v1/push/subscribe', body, a.token);
    t.equal(res.status, 400, what);
    t.equal(res.body.condition, 'client-error', `${what}: client-error`);
  }
  t.equal((await gw.post('/v1/push/unsubscribe', {}, a.token)).status, 400, 'unsubscribe needs id or endpoint');
  t.equal((await gw.post('/v1/push/unsubscribe', { id: 'x', endpoint: good.endpoint }, a.token)).status, 400, 'not both');
  t.equal((await gw.post('/v1/push/unsubscribe', { id: 'wp_nope' }, a.token)).status, 404);
  t.equal((await gw.post('/v1/push/subscribe', good, 'not-a-token')).status, 401);
  t.equal((await gw.post('/v1/push/list', {}, a.token)).body.subscriptions.length, 0, 'nothing was registered');
  await gw.post('/v1/logout', {}, a.token);
});

t.test('subscribe again replaces; at most PUSH_SUBSCRIPTIONS_PER_SESSION; unsubscribe by endpoint stops pushes', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'p7' });
  const subs = [endpoint.subscription(), endpoint.subscription(), endpoint.subscription()];
  const ids: string[] = [];
  for (const s of subs) ids.push((await gw.post('/v1/push/subscribe', s, a.token)).body.id);
  const again = await gw.post('/v1/push/subscribe', subs[0], a.token);
  t.equal(again.body.id, ids[0], 'the same endpoint keeps its id');
  const fourth = await gw.post('/v1/push/subscribe', endpoint.subscription(), a.token);
  t.equal(fourth.status, 403);
  t.match(fourth.body, { condition: 'policy-violation' });
  t.same((await gw.post('/v1/push/unsubscribe', { endpoint: subs[1]!.endpoint }, a.token)).body, { ok: true });
  t.same((await gw.post('/v1/push/unsubscribe', { id: ids[2] }, a.token)).body, { ok: true });
  await say(`${aliceUser.jid}/p7`, 'to one');
  await endpoint.until(() => contents(pathOf(subs[0]!.endpoint)).includes('to one'));
  await sleep(300);
  t.same(contents(pathOf(subs[1]!.endpoint)), []);
  t.same(contents(pathOf(subs[2]!.endpoint)), []);
  await gw.post('/v1/logout', {}, a.token);
});

t.test('a session with a working push subscription is attended; SESSION_MAX_LIFETIME_S still ends it', async (t) => {
  const watched = await idle.login(aliceUser, { resource: 'idle1' });
  const alone = await idle.login(carolUser, { resource: 'idle2' });
  const bounded = await lifetime.login(aliceUser, { resource: 'idle3' });
  const browser = endpoint.subscription();
  t.equal((await idle.post('/v1/push/subscribe', browser, watched.token)).status, 201);
  t.equal((await lifetime.post('/v1/push/subscribe', endpoint.subscription(), bounded.token)).status, 201);
  await sleep(4500);
  t.equal((await idle.post('/v1/push/list', {}, alone.token)).status, 401, 'without a subscription: logged out after IDLE_TIMEOUT_S');
  t.equal((await idle.post('/v1/push/list', {}, watched.token)).status, 200, 'with one: still online');
  t.equal((await lifetime.post('/v1/push/list', {}, bounded.token)).status, 401, 'past SESSION_MAX_LIFETIME_S: logged out');
  t.equal(await metric(lifetime, 'gateway_xmpp_disconnects_total{reason="lifetime"}'), 1);
  await say(`${aliceUser.jid}/idle1`, 'still here');
  await endpoint.until(() => contents(pathOf(browser.endpoint)).includes('still here'));
  t.pass('and its pushes still arrive');
  await idle.post('/v1/logout', {}, watched.token);
});

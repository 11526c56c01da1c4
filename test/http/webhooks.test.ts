// Webhooks (docs/api.md "Webhooks"): a session's events POSTed to real HTTP receivers on loopback,
// signed with the Standard Webhooks scheme, in order, retried, bounded, refused where SSRF would be.
// Events come from a real peer through Prosody.
import t from 'tap';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { xml } from '@xmpp/client';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

interface Delivery {
  webhook: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads are asserted field by field
  events: Array<{ id?: string; event: string; data: any }>;
}

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Delivery;
  /** The status answered, or 0 for a request never answered. */
  status: number;
}

/** A webhook receiver: records every request; `answer(n)` (n counts from 1) says how to answer it. */
class Receiver {
  readonly requests: Received[] = [];
  answer: (n: number) => number | 'hang' = () => 204;
  private readonly hanging: http.ServerResponse[] = [];
  private waiters: Array<() => void> = [];
  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<Receiver> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const r = new Receiver(server, address.port);
    server.on('request', (req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => {
        const how = r.answer(r.requests.length + 1);
        const entry: Received = { headers: req.headers, raw, body: JSON.parse(raw) as Delivery, status: how === 'hang' ? 0 : how };
        r.requests.push(entry);
        if (how === 'hang') r.hanging.push(res);
        else res.writeHead(how).end();
        for (const w of r.waiters.splice(0)) w();
      });
    });
    return r;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Events of the requests answered 2xx, in the order they were received. */
  delivered(): Delivery['events'] {
    return this.requests.filter((q) => q.status >= 200 && q.status < 300).flatMap((q) => q.body.events);
  }

  async until(predicate: () => boolean, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`receiver: timed out; got ${JSON.stringify(this.requests.map((q) => q.body))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const prosody = await startProsody({ users: 4 });
const [aliceUser, bobUser, carolUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const receivers = await Promise.all([1, 2, 3, 4, 5].map(() => Receiver.start()));
const [r1, r2, r3, r4, r5] = receivers as [Receiver, Receiver, Receiver, Receiver, Receiver];
const fast = { webhookTimeoutMs: 300, webhookAttempts: 4, webhookRetryBaseMs: 50, webhookRetryMaxMs: 400 };
const gw = await startGateway(prosody, { ...fast, webhookAllowedHosts: receivers.map((r) => `127.0.0.1:${r.port}`) });
const small = await startGateway(prosody, { ...fast, workers: 1, eventBufferSize: 3, webhookAllowedHosts: [`127.0.0.1:${r4.port}`] });
const star = await startGateway(prosody, { workers: 1, webhookAllowedHosts: ['*'] });
const off = await startGateway(prosody, { workers: 1 });
const idle = await startGateway(prosody, {
  ...fast,
  workers: 1,
  idleTimeoutS: 2,
  webhookAllowedHosts: [`127.0.0.1:${r5.port}`, '127.0.0.1:1'],
});
const bob = await connectPeer(prosody, bobUser);
t.teardown(async () => {
  await bob.stop();
  for (const g of [gw, small, star, off, idle]) await g.close();
  for (const r of receivers) await r.close();
  await prosody.stop();
});

const say = (to: string, body: string) => bob.send(xml('message', { to, type: 'chat', id: body }, xml('body', {}, body)));
const chats = (events: Delivery['events']) => events.filter((e) => e.event === 'xmpp.chat.message').map((e) => e.data.content);
const seq = (id: string | undefined) => Number(id!.split('-')[1]);
const register = async (g: TestGateway, token: string, body: Record<string, unknown>) => g.post('/v1/webhooks', body, token);
const metric = async (g: TestGateway, name: string) => {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
};

t.test('a chat message is POSTed, signed with the secret (Standard Webhooks); the session’s end ends the webhook', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'wh1' });
  const reg = await register(gw, a.token, { url: r1.url('/one') });
  t.equal(reg.status, 201);
  t.match(reg.body.id, /^wh_/);
  t.match(reg.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  await say(`${aliceUser.jid}/wh1`, 'hello hook');
  await r1.until(() => chats(r1.delivered()).includes('hello hook'));
  const q = r1.requests.find((x) => chats(x.body.events).includes('hello hook'))!;
  t.equal(q.body.webhook, reg.body.id, 'the body names the webhook');
  const e = q.body.events.find((x) => x.event === 'xmpp.chat.message')!;
  t.match(e, { event: 'xmpp.chat.message', data: { content: 'hello hook', from: { user: bobUser.username } } });
  t.match(e.id, /^[0-9a-f]+-\d+$/, 'each event carries its log cursor');
  t.equal(q.headers['content-type'], 'application/json');
  const msgId = String(q.headers['webhook-id']);
  const ts = Number(q.headers['webhook-timestamp']);
  t.ok(Math.abs(ts - Date.now() / 1000) < 30, 'webhook-timestamp is the Unix time in seconds');
  const key = Buffer.from(String(reg.body.secret).slice('whsec_'.length), 'base64');
  const expected = `v1,${createHmac('sha256', key).update(`${msgId}.${ts}.${q.raw}`).digest('base64')}`;
  t.equal(q.headers['webhook-signature'], expected, 'v1 HMAC-SHA256 of "{id}.{timestamp}.{body}" with the secret');
  const forged = `v1,${createHmac('sha256', Buffer.from('other')).update(`${msgId}.${ts}.${q.raw}`).digest('base64')}`;
  t.not(q.headers['webhook-signature'], forged, 'another key signs differently');

  const listed = await gw.post('/v1/webhooks/list', {}, a.token);
  t.equal(listed.status, 200);
  t.same(listed.body.webhooks.length, 1);
  t.match(listed.body.webhooks[0], { id: reg.body.id, url: r1.url('/one'), state: 'active' });
  t.notOk('secret' in listed.body.webhooks[0], 'the secret is never listed');

  await gw.post('/v1/logout', {}, a.token);
  await r1.until(() => r1.delivered().some((x) => x.event === 'xmpp.connection' && x.data.status === 'offline'));
  t.equal(r1.delivered().at(-1)!.event, 'xmpp.connection', 'the session’s last event is the last delivered');
});

t.test('a receiver that fails 3 times then succeeds gets everything once, in order, ids increasing', async (t) => {
  const retriesBefore = await metric(gw, 'gateway_webhook_retries_total');
  const a = await gw.login(aliceUser, { resource: 'wh2' });
  r2.answer = (n) => (n <= 3 ? 500 : 200);
  const reg = await register(gw, a.token, { url: r2.url(), events: ['xmpp.chat.message'] });
  t.equal(reg.status, 201);
  const bodies = ['m1', 'm2', 'm3', 'm4', 'm5'];
  for (const b of bodies) await say(`${aliceUser.jid}/wh2`, b);
  await r2.until(() => chats(r2.delivered()).includes('m5'));
  const delivered = r2.delivered();
  t.same(chats(delivered), bodies, 'no loss, no duplicate, no reordering among the acknowledged deliveries');
  t.ok(
    delivered.every((e) => e.event === 'xmpp.chat.message'),
    'the filter let only chat messages through',
  );
  const ids = delivered.map((e) => seq(e.id));
  t.same(
    ids,
    [...ids].sort((x, y) => x - y),
    'ids increase',
  );
  t.same(
    r2.requests.slice(0, 3).map((q) => q.status),
    [500, 500, 500],
  );
  t.equal(r2.requests[3]!.headers['webhook-id'], r2.requests[0]!.headers['webhook-id'], 'retries keep the message id');
  t.same(r2.requests[3]!.body.events, r2.requests[0]!.body.events, 'a retry carries the same events');
  t.ok((await metric(gw, 'gateway_webhook_retries_total')) - retriesBefore >= 3, 'retries are counted');
  t.ok((await metric(gw, 'gateway_webhook_deliveries_total')) >= 1, 'deliveries are counted');
  await gw.post('/v1/logout', {}, a.token);
});

t.test(
  'a receiver that never answers: bounded attempts, the webhook turns failing, then a gap note for what the log dropped',
  async (t) => {
    const failuresBefore = await metric(small, 'gateway_webhook_failures_total');
    const a = await small.login(aliceUser, { resource: 'wh3' });
    let hang = true;
    r4.answer = () => (hang ? 'hang' : 204);
    const reg = await register(small, a.token, { url: r4.url() });
    await say(`${aliceUser.jid}/wh3`, 'lost1');
    const listFailing = async () => (await small.post('/v1/webhooks/list', {}, a.token)).body.webhooks[0];
    const deadline = Date.now() + 8000;
    while ((await listFailing()).state !== 'failing' && Date.now() < deadline) await sleep(100);
    const failing = await listFailing();
    t.match(failing, { id: reg.body.id, state: 'failing', lastError: 'No answer within 300 ms' });
    t.ok((await metric(small, 'gateway_webhook_failures_total')) > failuresBefore, 'the given-up delivery is counted');
    t.ok(failing.pending >= 1, `its queue is listed (pending ${failing.pending})`);
    t.ok((await metric(small, 'gateway_webhook_queue_events')) >= 1, 'and is the queue gauge');
    t.equal(await metric(small, 'gateway_webhooks_delivering'), 1, 'one webhook delivered by this node');
    const firstSeries = r4.requests.filter((q) => q.headers['webhook-id'] === r4.requests[0]!.headers['webhook-id']).length;
    t.ok(firstSeries >= 4, 'WEBHOOK_ATTEMPTS attempts before giving up');
    // The buffer holds 3 events: these push the webhook's cursor (its login event) and lost1 out.
    for (const b of ['lost2', 'lost3', 'kept1', 'kept2', 'kept3']) await say(`${aliceUser.jid}/wh3`, b);
    await r4.until(() => r4.requests.some((q) => chats(q.body.events).includes('kept3')));
    hang = false;
    await r4.until(() => chats(r4.delivered()).includes('kept3'));
    const events = r4.delivered();
    t.equal(events[0]!.event, 'xmpp.gateway.gap', 'the delivery says events were missed');
    t.equal(events[0]!.data.after, failing.lastEventId ?? null, 'after the last acknowledged cursor');
    t.same(chats(events), ['kept1', 'kept2', 'kept3'], 'then what the log still held, in order');
    t.equal((await listFailing()).state, 'active', 'active again once a delivery succeeds');
    t.equal((await listFailing()).pending, 0, 'nothing left in its queue');
    await small.post('/v1/logout', {}, a.token);
  },
);

t.test('SSRF: targets outside WEBHOOK_ALLOWED_HOSTS, or private addresses through *, are refused', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'ssrf' });
  const notListed = await register(gw, a.token, { url: 'http://127.0.0.1:1/hook' });
  t.equal(notListed.status, 403);
  t.match(notListed.body, {
    condition: 'host-not-allowed',
    description: 'Webhook target 127.0.0.1:1 is not allowed by this gateway (WEBHOOK_ALLOWED_HOSTS)',
  });
  t.equal((await register(gw, a.token, { url: `http://localhost:${r1.port}/` })).status, 403, 'a listed address under another name');
  t.equal((await register(gw, a.token, { url: 'ftp://127.0.0.1/' })).status, 400, 'only http and https');
  t.equal((await register(gw, a.token, { url: 'not a url' })).status, 400);
  t.equal((await register(gw, a.token, { url: `http://u:p@127.0.0.1:${r1.port}/` })).status, 400, 'no credentials in the URL');
  const unknown = await register(gw, a.token, { url: r1.url(), events: ['xmpp.no.such.event'] });
  t.equal(unknown.status, 400, 'unknown event names are refused');
  t.equal(unknown.body.condition, 'client-error');
  await gw.post('/v1/logout', {}, a.token);

  const s = await star.login(aliceUser, { resource: 'ssrf' });
  for (const url of [r1.url(), `http://localhost:${r1.port}/`, 'http://[::1]:8080/', 'http://10.1.2.3/', 'http://169.254.169.254/latest']) {
    const res = await register(star, s.token, { url });
    t.equal(res.status, 403, `${url} refused through *`);
    t.match(res.body.description, /resolves to .*a loopback, private or reserved address/);
  }
  await star.post('/v1/logout', {}, s.token);

  const o = await off.login(aliceUser, { resource: 'ssrf' });
  const res = await register(off, o.token, { url: r1.url() });
  t.equal(res.status, 403);
  t.equal(res.body.description, 'Webhooks are off on this gateway (WEBHOOK_ALLOWED_HOSTS is empty)');
  await off.post('/v1/logout', {}, o.token);
});

t.test('at most WEBHOOKS_PER_SESSION webhooks; delete stops deliveries', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'del' });
  r3.answer = () => 204;
  const ids: string[] = [];
  for (const path of ['/a', '/b', '/c'])
    ids.push((await register(gw, a.token, { url: r3.url(path), events: ['xmpp.chat.message'] })).body.id);
  const fourth = await register(gw, a.token, { url: r3.url('/d') });
  t.equal(fourth.status, 403);
  t.match(fourth.body, { condition: 'policy-violation', description: 'A session may have at most 3 webhooks; delete one first' });
  await say(`${aliceUser.jid}/del`, 'before');
  await r3.until(() => r3.requests.filter((q) => chats(q.body.events).includes('before')).length === 3);
  for (const id of ids.slice(1)) t.same((await gw.post('/v1/webhooks/delete', { id }, a.token)).body, { ok: true });
  t.equal((await gw.post('/v1/webhooks/delete', { id: ids[1] }, a.token)).status, 404, 'deleted once');
  t.same(
    (await gw.post('/v1/webhooks/list', {}, a.token)).body.webhooks.map((w: { id: string }) => w.id),
    [ids[0]],
  );
  await say(`${aliceUser.jid}/del`, 'after');
  await r3.until(() => r3.requests.some((q) => chats(q.body.events).includes('after')));
  await sleep(500);
  const after = r3.requests.filter((q) => chats(q.body.events).includes('after'));
  t.same(
    after.map((q) => q.body.webhook),
    [ids[0]],
    'only the remaining webhook received the later message',
  );
  await gw.post('/v1/logout', {}, a.token);
});

t.test('one session never receives another’s events; another session’s token cannot see or delete them', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'iso' });
  const c = await gw.login(carolUser, { resource: 'iso' });
  r1.requests.length = 0;
  r2.requests.length = 0;
  r2.answer = () => 204;
  const ha = (await register(gw, a.token, { url: r1.url('/alice'), events: ['xmpp.chat.message'] })).body.id;
  const hc = (await register(gw, c.token, { url: r2.url('/carol'), events: ['xmpp.chat.message'] })).body.id;
  await say(`${aliceUser.jid}/iso`, 'for alice');
  await say(`${carolUser.jid}/iso`, 'for carol');
  await r1.until(() => chats(r1.delivered()).includes('for alice'));
  await r2.until(() => chats(r2.delivered()).includes('for carol'));
  await sleep(300);
  t.same(chats(r1.delivered()), ['for alice']);
  t.same(chats(r2.delivered()), ['for carol']);
  t.ok(r1.requests.every((q) => q.body.webhook === ha));
  t.ok(r2.requests.every((q) => q.body.webhook === hc));
  t.equal((await gw.post('/v1/webhooks/delete', { id: ha }, c.token)).status, 404, 'carol cannot delete alice’s webhook');
  t.same(
    (await gw.post('/v1/webhooks/list', {}, c.token)).body.webhooks.map((w: { id: string }) => w.id),
    [hc],
  );
  t.equal((await gw.post('/v1/webhooks/list', {}, 'not-a-token')).status, 401);
  await gw.post('/v1/logout', {}, a.token);
  await gw.post('/v1/logout', {}, c.token);
});

t.test('a session with a working webhook is attended: the idle sweeper leaves it alone', async (t) => {
  r5.answer = () => 204;
  const watched = await idle.login(aliceUser, { resource: 'idle1' });
  const alone = await idle.login(carolUser, { resource: 'idle2' });
  const failing = await idle.login(carolUser, { resource: 'idle3' });
  t.equal((await register(idle, watched.token, { url: r5.url(), events: ['xmpp.chat.message'] })).status, 201);
  // Nothing listens on port 1: every delivery is refused, so this webhook turns failing at its first event.
  t.equal((await register(idle, failing.token, { url: 'http://127.0.0.1:1/' })).status, 201);
  await say(`${carolUser.jid}/idle3`, 'nobody hears this');
  await sleep(4500);
  t.equal((await idle.post('/v1/webhooks/list', {}, alone.token)).status, 401, 'without a webhook: logged out after IDLE_TIMEOUT_S');
  t.equal((await idle.post('/v1/webhooks/list', {}, failing.token)).status, 401, 'with a failing webhook: logged out too');
  t.equal((await idle.post('/v1/webhooks/list', {}, watched.token)).status, 200, 'with a webhook: still online');
  await say(`${aliceUser.jid}/idle1`, 'still here');
  await r5.until(() => chats(r5.delivered()).includes('still here'));
  t.pass('and its events still arrive');
  await idle.post('/v1/logout', {}, watched.token);
});

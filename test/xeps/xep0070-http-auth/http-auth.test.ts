// XEP-0070 HTTP request verification end to end. The HTTP server is a real XEP-0114 component on
// the test Prosody (component.localhost), as XEP-0070 §4.4 recommends; it asks the gateway session
// (alice) to confirm requests by iq and by message, and checks the answers on the wire.
import { createRequire } from 'node:module';
import t from 'tap';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';

const HTTP_AUTH = 'http://jabber.org/protocol/http-auth';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

// @xmpp/component 0.13 is CommonJS without type declarations.
interface ComponentEntity {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  reconnect: { stop(): void };
  on(event: 'stanza', fn: (stanza: Element) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  send(el: Element): Promise<void>;
  iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
}
const lib = createRequire(import.meta.url)('@xmpp/component') as {
  component(options: { service: string; domain: string; password: string }): ComponentEntity;
  xml(name: string, attrs?: Record<string, string | undefined>, ...children: unknown[]): Element;
};
const xml = lib.xml;

const prosody = await startProsody({ users: 2, lean: true });
const gw = await startGateway(prosody);
const slowGw = await startGateway(prosody, { answerTimeoutMs: 300 });
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const bob = await slowGw.login(bobUser, { resource: 'slow' });
const bobFull = `${bobUser.jid}/slow`;
const stream = await gw.events({ token: alice.token });
const slowStream = await slowGw.events({ token: bob.token });
// Messages to the bare JID reach only available resources.
await gw.post('/v1/presence', {}, alice.token);

const files = prosody.componentDomain;
const comp = lib.component({
  service: `xmpp://${prosody.host}:${prosody.componentPort}`,
  domain: files,
  password: prosody.componentSecret,
});
comp.on('error', () => undefined);
const received: Element[] = [];
comp.on('stanza', (s) => received.push(s));
await comp.start();
t.teardown(async () => {
  comp.reconnect.stop(); // else the close schedules a reconnect that holds the process for 1 s
  await comp.stop().catch(() => undefined);
  await gw.close();
  await slowGw.close();
  await prosody.stop();
});

async function compGot(predicate: (s: Element) => boolean, ms = 5000): Promise<Element> {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = received.find(predicate);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`the component got no such stanza; got:\n${received.map(String).join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let n = 0;
function request(method = 'GET') {
  n += 1;
  return { method, id: `tx-${n}`, url: `https://${files}/private/file-${n}.html` };
}

/** The component asks by iq; resolves with its view of the answer. */
function askByIq(to: string, req: { method: string; id: string; url: string }) {
  const iq = xml('iq', { type: 'get', from: files, to }, xml('confirm', { xmlns: HTTP_AUTH, ...req }));
  return comp.iqCaller.request(iq, 5000).then(
    (reply) => ({ ok: true as const, reply }),
    (error: { condition?: string; type?: string; text?: string }) => ({ ok: false as const, error }),
  );
}

const post = (path: string, body: unknown) => gw.post(path, body, alice.token);

t.test('iq request: xmpp.http.verify, then http/confirm answers with an IQ result', async (t) => {
  const req = request();
  const pending = askByIq(aliceFull, req);
  const e = await stream.next((x) => x.event === 'xmpp.http.verify' && x.data.request?.id === req.id);
  t.same(e.data, { type: 'iq', id: e.data.id, from: { domain: files }, request: req });
  t.type(e.data.id, 'string');
  const res = await post('/v1/http/confirm', { type: e.data.type, id: e.data.id, to: files });
  t.same(res.body, { ok: true });
  const answer = await pending;
  t.ok(answer.ok, 'confirmed: an IQ result');
  if (answer.ok) {
    t.equal(answer.reply.attrs.from, aliceFull);
    t.equal(answer.reply.getChildElements().length, 0, 'no confirm echo unless the client gave the request');
  }
  const again = await post('/v1/http/confirm', { type: 'iq', id: e.data.id, to: files });
  t.equal(again.status, 404, 'answered once');
  t.same(again.body, {
    type: 'cancel',
    condition: 'item-not-found',
    description: `No HTTP verification request '${e.data.id}' from ${files} is waiting`,
  });
});

t.test('iq request: http/deny answers not-authorized, echoing the confirm', async (t) => {
  const req = request('POST');
  const pending = askByIq(aliceFull, req);
  const e = await stream.next((x) => x.event === 'xmpp.http.verify' && x.data.request?.id === req.id);
  const res = await post('/v1/http/deny', { type: 'IQ', id: e.data.id, to: files, request: e.data.request });
  t.same(res.body, { ok: true }, 'type is case-insensitive');
  const answer = await pending;
  t.notOk(answer.ok, 'denied: an IQ error');
  if (answer.ok) return;
  t.equal(answer.error.condition, 'not-authorized');
  t.equal(answer.error.type, 'auth');
  const wire = await compGot((s) => s.is('iq') && s.attrs.id === e.data.id);
  t.same(wire.getChild('confirm', HTTP_AUTH)?.attrs, { xmlns: HTTP_AUTH, ...req }, 'the original confirm is echoed');
});

t.test('message request: xmpp.http.verify with thread and body; confirm and deny are messages', async (t) => {
  const req = request();
  await comp.send(
    xml(
      'message',
      { type: 'normal', from: files, to: aliceUser.jid, id: 'm-1' },
      xml('thread', {}, 'thread-1'),
      xml('body', {}, `Someone asked for ${req.url}. Confirm?`),
      xml('confirm', { xmlns: HTTP_AUTH, ...req }),
    ),
  );
  const e = await stream.next((x) => x.event === 'xmpp.http.verify' && x.data.request?.id === req.id);
  t.same(e.data, {
    type: 'message',
    id: 'thread-1',
    from: { domain: files },
    description: `Someone asked for ${req.url}. Confirm?`,
    request: req,
  });
  t.notOk(
    stream.events.some((x) => x.event === 'xmpp.chat.message' && x.data.content?.includes(req.url)),
    'the request is not also a chat message',
  );

  const yes = await post('/v1/http/confirm', { type: 'message', id: e.data.id, to: files, request: e.data.request });
  t.same(yes.body, { ok: true });
  const ok = await compGot((s) => s.is('message') && s.attrs.type === 'normal' && s.getChildText('thread') === 'thread-1');
  t.equal(ok.attrs.from, aliceFull);
  t.ok(ok.attrs.id, 'the answer carries an id');
  t.same(ok.getChild('confirm', HTTP_AUTH)?.attrs, { xmlns: HTTP_AUTH, ...req });
  t.notOk(ok.getChild('error'));

  const no = await post('/v1/http/deny', { type: 'message', to: files, request: e.data.request });
  t.same(no.body, { ok: true });
  const denied = await compGot((s) => s.is('message') && s.attrs.type === 'error' && s.getChild('confirm', HTTP_AUTH)?.attrs.id === req.id);
  t.notOk(denied.getChild('thread'), 'no thread when none was given');
  t.ok(denied.getChild('error')?.getChild('not-authorized', STANZAS));
  t.equal(denied.getChild('error')?.attrs.type, 'auth');
});

t.test('bad input: the XMPP-FTW messages, and nothing is sent', async (t) => {
  const before = received.length;
  const req = request();
  const cases: Array<[string, unknown, string]> = [
    ['/v1/http/confirm', { id: 'x', to: files }, "Missing 'type' parameter"],
    ['/v1/http/deny', { type: 'iq', id: 'x' }, "Missing 'to' parameter"],
    ['/v1/http/confirm', { type: 'presence', id: 'x', to: files }, "Invalid 'type' parameter"],
    ['/v1/http/deny', { type: 'iq', to: files }, "Missing 'id' parameter"],
    ['/v1/http/confirm', { type: 'message', to: files }, "Missing 'request' parameter"],
    ['/v1/http/confirm', { type: 'message', to: files, request: { id: req.id, method: 'GET' } }, "Missing request 'url' parameter"],
    ['/v1/http/deny', { type: 'message', to: files, request: { url: req.url, method: 'GET' } }, "Missing request 'id' parameter"],
    ['/v1/http/confirm', { type: 'message', to: files, request: { url: req.url, id: req.id } }, "Missing request 'method' parameter"],
    ['/v1/http/confirm', { type: 'iq', id: 'x', to: 'files@' }, "Invalid JID in 'to' key"],
    ['/v1/http/confirm', { type: 'iq', id: 'x', to: files, extra: 1 }, "Unknown key 'extra'"],
  ];
  for (const [path, body, description] of cases) {
    const res = await post(path, body);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.same(res.body, { type: 'modify', condition: 'client-error', description, request: body });
  }
  const notWaiting = await post('/v1/http/deny', { type: 'iq', id: 'never-asked', to: files });
  t.equal(notWaiting.status, 404);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(received.length, before, 'nothing reached the component');
});

t.test('an iq request without method, url or id is bad-request and no event', async (t) => {
  const iq = xml('iq', { type: 'get', from: files, to: aliceFull }, xml('confirm', { xmlns: HTTP_AUTH, id: 'tx-bad', method: 'GET' }));
  const err = await comp.iqCaller.request(iq, 5000).catch((e: { condition: string }) => e);
  t.equal((err as { condition: string }).condition, 'bad-request');
  t.notOk(stream.events.some((x) => x.event === 'xmpp.http.verify' && x.data.request?.id === 'tx-bad'));
});

t.test('an unanswered iq request is denied after ANSWER_TIMEOUT_MS; a late answer is 404', async (t) => {
  const req = request();
  const started = Date.now();
  const pending = askByIq(bobFull, req);
  const e = await slowStream.next((x) => x.event === 'xmpp.http.verify' && x.data.request?.id === req.id);
  const answer = await pending;
  t.notOk(answer.ok, 'not confirmed in time: denied, never silence');
  if (answer.ok) return;
  t.equal(answer.error.condition, 'not-authorized');
  t.equal(answer.error.type, 'auth');
  t.equal(answer.error.text, 'The user did not answer in time');
  t.ok(Date.now() - started < 4000);
  const wire = await compGot((s) => s.is('iq') && s.attrs.id === e.data.id && s.attrs.type === 'error');
  t.equal(wire.getChild('confirm', HTTP_AUTH)?.attrs.url, req.url, 'the denial echoes the confirm');
  const late = await slowGw.post('/v1/http/confirm', { type: 'iq', id: e.data.id, to: files }, bob.token);
  t.equal(late.status, 404);
});

// XEP-0009 Jabber-RPC end to end: the gateway session (alice) calls bob's XML-RPC methods, and
// bob (a real @xmpp/client peer) calls alice, whose client answers over HTTP. Every step checks
// what crossed the wire on bob's side.
import t from 'tap';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';

const RPC = 'jabber:iq:rpc';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

const prosody = await startProsody({ users: 3, lean: true });
const gw = await startGateway(prosody);
// A second gateway whose held requests time out quickly.
const slowGw = await startGateway(prosody, { answerTimeoutMs: 300 });
const [aliceUser, bobUser, carolUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const carol = await slowGw.login(carolUser, { resource: 'slow' });
const carolFull = `${carolUser.jid}/slow`;
const stream = await gw.events({ token: alice.token });
const slowStream = await slowGw.events({ token: carol.token });
const bob = await connectPeer(prosody, bobUser, { resource: 'bot' });
t.teardown(async () => {
  await bob.stop();
  await gw.close();
  await slowGw.close();
  await prosody.stop();
});

function jidObject(full: string) {
  const [bare, resource] = full.split('/') as [string, string];
  const [user, domain] = bare.split('@') as [string, string];
  return { user, domain, resource };
}

// bob's XML-RPC server: `echo` answers with the params it got, `fail` with a fault, `secret` with
// an IQ error; every call is recorded.
const calls: Element[] = [];
const callee = (bob.xmpp as unknown as { iqCallee: { set(ns: string, name: string, h: (ctx: { stanza: Element }) => unknown): void } })
  .iqCallee;
callee.set(RPC, 'query', ({ stanza }) => {
  calls.push(stanza);
  const call = stanza.getChild('query', RPC)!.getChild('methodCall')!;
  const method = call.getChildText('methodName');
  if (method === 'secret') return xml('error', { type: 'auth' }, xml('forbidden', { xmlns: STANZAS }));
  if (method === 'fail') return xml('query', { xmlns: RPC }, xml('methodResponse', {}, fault(4, 'Too many parameters.')));
  const params = call.getChild('params');
  return xml('query', { xmlns: RPC }, xml('methodResponse', {}, params ?? xml('params')));
});

function fault(code: number, text: string): Element {
  const member = (name: string, value: Element) => xml('member', {}, xml('name', {}, name), xml('value', {}, value));
  return xml(
    'fault',
    {},
    xml('value', {}, xml('struct', {}, member('faultCode', xml('int', {}, String(code))), member('faultString', xml('string', {}, text)))),
  );
}

const post = (path: string, body: unknown) => gw.post(path, body, alice.token);

t.test('rpc/perform: typed params on the wire as XEP-0009 says, the answer parsed back', async (t) => {
  const members = [
    { name: 'visible', type: 'boolean', value: false },
    { name: 'zero', type: 'int', value: 0 },
    { name: 'x', type: 'double', value: 1.5 },
    { name: 'empty', type: 'string', value: '' },
    { name: 'tag', type: 'string', value: '<b>&' },
    { name: 'blob', type: 'base64', value: 'aGk=' },
    { name: 'when', type: 'dateTime.iso8601', value: '19980717T14:08:55' },
    {
      name: 'list',
      type: 'array',
      value: [
        { type: 'i4', value: -1 },
        { type: 'boolean', value: true },
      ],
    },
  ];
  const params = [
    { type: 'struct', value: members },
    { type: 'i4', value: 6 },
  ];
  const before = calls.length;
  const res = await post('/v1/rpc/perform', { to: bob.jid, method: 'echo', params });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body, [
    { type: 'struct', value: members.map((m) => ({ type: m.type, value: m.value, name: m.name })) },
    { type: 'i4', value: 6 },
  ]);
  t.equal(calls.length, before + 1, 'one call reached bob');
  const iq = calls[before]!;
  t.equal(iq.attrs.type, 'set');
  t.equal(iq.attrs.from, aliceFull);
  t.ok(iq.attrs.id, 'the call carries an id');
  const call = iq.getChild('query', RPC)!.getChild('methodCall')!;
  t.equal(call.getChildText('methodName'), 'echo');
  const [first, second] = call.getChild('params')!.getChildren('param');
  const sent = first!.getChild('value')!.getChild('struct')!.getChildren('member');
  const member = (name: string) => sent.find((m) => m.getChildText('name') === name)!.getChild('value')!;
  t.equal(member('visible').getChildText('boolean'), '0', 'boolean false is sendable');
  t.equal(member('zero').getChildText('int'), '0', 'zero is sendable');
  t.equal(member('empty').getChild('string')?.getText(), '', 'the empty string is sendable');
  t.equal(member('tag').getChildText('string'), '<b>&', 'text is escaped, not markup');
  t.equal(member('list').getChild('array')!.getChild('data')!.getChildren('value').length, 2);
  t.equal(second!.getChild('value')!.getChildText('i4'), '6');
});

t.test('rpc/perform: a fault is 422 with the fault; transport errors keep their condition', async (t) => {
  const res = await post('/v1/rpc/perform', { to: bob.jid, method: 'fail' });
  t.equal(res.status, 422);
  t.same(res.body, {
    type: 'cancel',
    condition: 'undefined-condition',
    description: 'Too many parameters.',
    application: { condition: 'fault', xmlns: RPC },
    fault: { code: 4, string: 'Too many parameters.' },
  });
  const forbidden = await post('/v1/rpc/perform', { to: bob.jid, method: 'secret' });
  t.equal(forbidden.status, 403);
  t.match(forbidden.body, { type: 'auth', condition: 'forbidden' });
  const nobody = await post('/v1/rpc/perform', { to: `${bobUser.jid}/gone`, method: 'echo' });
  t.equal(nobody.status, 503, 'an offline resource: service-unavailable');
});

t.test('rpc/perform: bad input is 400 with the XMPP-FTW message, and nothing is sent', async (t) => {
  const before = calls.length;
  const cases: Array<[unknown, string]> = [
    [{ method: 'echo' }, "Missing 'to' key"],
    [{ to: bob.jid }, "Missing 'method' key"],
    [{ to: bob.jid, method: 'echo', params: 'x' }, "'params' must be an array"],
    [{ to: bob.jid, method: 'echo', params: [{ value: 1 }] }, "'param' must have 'type' key"],
    [{ to: bob.jid, method: 'echo', params: [{ type: 'int' }] }, "'param' must have 'value' key"],
    [{ to: bob.jid, method: 'echo', params: [{ type: 'int', value: 'one' }] }, 'Parameter formatting error'],
    [{ to: bob.jid, method: 'echo', params: [{ type: 'int', value: 1.5 }] }, 'Parameter formatting error'],
    [{ to: bob.jid, method: 'echo', params: [{ type: 'boolean', value: 'maybe' }] }, 'Parameter formatting error'],
    [{ to: bob.jid, method: 'echo', params: [{ type: 'evil/>', value: 'x' }] }, 'Parameter formatting error'],
    [{ to: bob.jid, method: 'echo', params: [{ type: 'struct', value: [{ type: 'int', value: 1 }] }] }, 'Parameter formatting error'],
    [{ to: bob.jid, method: 'echo', params: [{ type: 'array', value: [{ type: 'int' }] }] }, "'param' must have 'value' key"],
    [{ to: bob.jid, method: 'echo', params: [{ type: 'int', value: 1, extra: true }] }, "Unknown key 'params.0.extra'"],
    [{ to: bob.jid, method: 'two words' }, "'method' has an invalid format"],
  ];
  for (const [body, description] of cases) {
    const res = await post('/v1/rpc/perform', body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.same(res.body, { type: 'modify', condition: 'client-error', description, request: body });
  }
  const deep: Record<string, unknown> = { type: 'i4', value: 1 };
  let nested = deep;
  for (let i = 0; i < 40; i++) nested = { type: 'array', value: [nested] };
  t.equal(
    (await post('/v1/rpc/perform', { to: bob.jid, method: 'echo', params: [nested] })).body.description,
    'Parameter formatting error',
  );
  t.equal(calls.length, before, 'nothing reached bob');
});

/** bob calls `to`; resolves with bob's view of the answer (result stanza, or the error). */
function bobCalls(to: string, method: string, params?: Element) {
  const iq = xml('iq', { type: 'set', to }, xml('query', { xmlns: RPC }, xml('methodCall', {}, xml('methodName', {}, method), params)));
  return bob.xmpp.iqCaller.request(iq, 5000).then(
    (reply) => ({ ok: true as const, reply }),
    (error: { condition?: string; type?: string; text?: string; element?: Element }) => ({ ok: false as const, error }),
  );
}

t.test('incoming calls: xmpp.rpc.request, answered with rpc/result or rpc/fault', async (t) => {
  const pending = bobCalls(
    aliceFull,
    'examples.getStateName',
    xml('params', {}, xml('param', {}, xml('value', {}, xml('i4', {}, '6'))), xml('param', {}, xml('value', {}, xml('boolean', {}, '0')))),
  );
  const event = await stream.next((e) => e.event === 'xmpp.rpc.request' && e.data.command === 'examples.getStateName');
  t.same(event.data, {
    from: jidObject(bob.jid),
    command: 'examples.getStateName',
    id: event.data.id,
    params: [
      { type: 'i4', value: 6 },
      { type: 'boolean', value: false },
    ],
  });
  t.type(event.data.id, 'string');
  const res = await post('/v1/rpc/result', { to: bob.jid, id: event.data.id, params: [{ type: 'string', value: 'Colorado' }] });
  t.same(res, { ...res, status: 200, body: { ok: true } });
  const answer = await pending;
  t.ok(answer.ok, 'bob got a result');
  if (!answer.ok) return;
  t.equal(answer.reply.attrs.from, aliceFull);
  const value = answer.reply.getChild('query', RPC)!.getChild('methodResponse')!.getChild('params')!.getChild('param')!.getChild('value');
  t.equal(value?.getChildText('string'), 'Colorado');

  const again = await post('/v1/rpc/result', { to: bob.jid, id: event.data.id, params: [] });
  t.equal(again.status, 404, 'a call is answered once');
  t.match(again.body, { type: 'cancel', condition: 'item-not-found' });

  const failing = bobCalls(aliceFull, 'examples.fail');
  const e2 = await stream.next((e) => e.event === 'xmpp.rpc.request' && e.data.command === 'examples.fail');
  t.notOk('params' in e2.data, 'a call without params has no params key');
  // The bare JID stands for bob's full JID while only one of his calls with that id waits.
  const f = await post('/v1/rpc/fault', { to: bobUser.jid, id: e2.data.id, code: 7, string: 'No such state' });
  t.same(f.body, { ok: true });
  const faulted = await failing;
  t.ok(faulted.ok, 'a fault travels in an IQ result (XEP-0009 §2)');
  if (!faulted.ok) return;
  const members = faulted.reply
    .getChild('query', RPC)!
    .getChild('methodResponse')!
    .getChild('fault')!
    .getChild('value')!
    .getChild('struct')!
    .getChildren('member');
  t.same(
    members.map((m) => [
      m.getChildText('name'),
      m.getChild('value')!.getChildElements()[0]!.name,
      m.getChild('value')!.getChildText(m.getChild('value')!.getChildElements()[0]!.name),
    ]),
    [
      ['faultCode', 'int', '7'],
      ['faultString', 'string', 'No such state'],
    ],
  );
});

t.test('answers that refer to nothing waiting are 404; bad answers are 400 and the call still waits', async (t) => {
  const notWaiting = await post('/v1/rpc/result', { to: bob.jid, id: 'never-asked', params: [] });
  t.equal(notWaiting.status, 404);
  t.same(notWaiting.body, {
    type: 'cancel',
    condition: 'item-not-found',
    description: `No RPC request 'never-asked' from ${bob.jid} is waiting`,
  });
  t.equal((await post('/v1/rpc/fault', { to: bob.jid, id: 'never-asked', code: 1, string: 'x' })).status, 404);

  const pending = bobCalls(aliceFull, 'examples.wait');
  const e = await stream.next((x) => x.event === 'xmpp.rpc.request' && x.data.command === 'examples.wait');
  const cases: Array<[string, unknown, string]> = [
    ['/v1/rpc/result', { id: e.data.id }, "Missing 'to' key"],
    ['/v1/rpc/result', { to: bob.jid }, "Missing 'id' key"],
    ['/v1/rpc/result', { to: bob.jid, id: e.data.id, params: {} }, "'params' must be an array"],
    ['/v1/rpc/result', { to: bob.jid, id: e.data.id, params: [{ type: 'double', value: 'NaN' }] }, 'Parameter formatting error'],
    ['/v1/rpc/fault', { to: bob.jid, id: e.data.id, string: 'x' }, "Missing 'code' key"],
    ['/v1/rpc/fault', { to: bob.jid, id: e.data.id, code: 'x', string: 'x' }, "'code' must be an integer"],
  ];
  for (const [path, body, description] of cases) {
    const res = await post(path, body);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.equal(res.body.description, description);
  }
  // Someone else's id from bob, or bob's id from someone else, is not this call.
  t.equal((await post('/v1/rpc/result', { to: `${carolUser.jid}/x`, id: e.data.id })).status, 404);
  t.equal((await post('/v1/rpc/result', { to: bob.jid, id: `${e.data.id}x` })).status, 404);
  const ok = await post('/v1/rpc/result', { to: bob.jid, id: e.data.id });
  t.same(ok.body, { ok: true }, 'the call was still waiting');
  const answer = await pending;
  t.ok(answer.ok);
  if (answer.ok) t.ok(answer.reply.getChild('query', RPC)?.getChild('methodResponse')?.getChild('params'), 'no params: an empty <params/>');
});

t.test('an unanswered call gets recipient-unavailable after ANSWER_TIMEOUT_MS; a late answer is 404', async (t) => {
  const started = Date.now();
  const pending = bobCalls(carolFull, 'examples.slow');
  const e = await slowStream.next((x) => x.event === 'xmpp.rpc.request' && x.data.command === 'examples.slow');
  const answer = await pending;
  t.notOk(answer.ok, 'the caller gets an error, not silence');
  if (answer.ok) return;
  t.equal(answer.error.condition, 'recipient-unavailable');
  t.equal(answer.error.type, 'wait');
  t.ok(Date.now() - started < 4000, 'well before the caller’s own timeout');
  const late = await slowGw.post('/v1/rpc/result', { to: bob.jid, id: e.data.id, params: [] }, carol.token);
  t.equal(late.status, 404);
});

t.test('a set that is not a methodCall, or does not parse, is bad-request and no event', async (t) => {
  const notCall = await bob.xmpp.iqCaller
    .request(xml('iq', { type: 'set', to: aliceFull }, xml('query', { xmlns: RPC }, xml('methodResponse', {}, xml('params')))), 5000)
    .catch((err: { condition: string }) => err);
  t.equal((notCall as { condition: string }).condition, 'bad-request');
  const bad = await bobCalls(aliceFull, 'examples.bad', xml('params', {}, xml('param', {}, xml('value', {}, xml('int', {}, 'six')))));
  t.notOk(bad.ok);
  if (!bad.ok) t.equal(bad.error.condition, 'bad-request');
  const marker = bobCalls(aliceFull, 'examples.marker');
  const m = await stream.next((x) => x.event === 'xmpp.rpc.request' && x.data.command === 'examples.marker');
  t.notOk(
    stream.events.some((x) => x.event === 'xmpp.rpc.request' && x.data.command === 'examples.bad'),
    'the malformed call was never an event',
  );
  await post('/v1/rpc/result', { to: bob.jid, id: m.data.id });
  await marker;
});

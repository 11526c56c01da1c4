// Jingle end to end: a call's signalling between two gateway sessions (alice, bob), and between a
// session and a plain @xmpp/client peer (dave), whose side shows every stanza on the wire:
// initiate → acknowledge → accept → transport-info → terminate with a reason; errors both ways; a
// request nobody acknowledges gets an error reply.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { xml } from '@xmpp/client';
import { type Element, parse } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';
import { canonical, eventSchemaProblem, loadRegistry, parseStanza } from '../../helpers/golden.js';
import type { SseClient, SseEvent } from '../../helpers/sse.js';

const JINGLE = 'urn:xmpp:jingle:1';
const JINGLE_ERRORS = 'urn:xmpp:jingle:errors:1';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

const prosody = await startProsody({ users: 4, lean: true });
const gw = await startGateway(prosody);
// Held requests time out quickly here.
const slowGw = await startGateway(prosody, { answerTimeoutMs: 300 });
const [aliceUser, bobUser, carolUser, daveUser] = prosody.users as [
  (typeof prosody.users)[0],
  (typeof prosody.users)[0],
  (typeof prosody.users)[0],
  (typeof prosody.users)[0],
];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const carol = await slowGw.login(carolUser, { resource: 'slow' });
const aliceFull = `${aliceUser.jid}/gw`;
const bobFull = `${bobUser.jid}/gw`;
const carolFull = `${carolUser.jid}/slow`;
const aliceEvents = await gw.events({ token: alice.token });
const bobEvents = await gw.events({ token: bob.token });
await slowGw.events({ token: carol.token });
const dave = await connectPeer(prosody, daveUser, { resource: 'phone', presence: true });
const reg = await loadRegistry();
t.teardown(async () => {
  await dave.stop();
  await gw.close();
  await slowGw.close();
  await prosody.stop();
});

// The golden pair of a WebRTC offer (test/xeps/xep0166-jingle): the same JSON and XML on the wire here.
const FIXTURES = new URL('../../../../test/xeps/xep0166-jingle/', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('out-session-initiate.json', FIXTURES), 'utf8')) as {
  body: { jingle: Record<string, unknown> };
};
const offerJson = (initiator: string) => ({ ...fixture.body.jingle, sid: String(fixture.body.jingle.sid), initiator });
const offerXml = (initiator: string) =>
  parseStanza(
    readFileSync(new URL('out-session-initiate.xml', FIXTURES), 'utf8').replace(
      "initiator='alice@localhost/gw'",
      `initiator='${initiator}'`,
    ),
  ).getChild('jingle', JINGLE)!;

// dave's Jingle responder: records every request, answers as the current test says (default: acknowledge).
const daveGot: Element[] = [];
let daveAnswers: (stanza: Element) => unknown = () => true;
(dave.xmpp as unknown as { iqCallee: { set(ns: string, name: string, h: (ctx: { stanza: Element }) => unknown): void } }).iqCallee.set(
  JINGLE,
  'jingle',
  ({ stanza }) => {
    daveGot.push(stanza);
    return daveAnswers(stanza);
  },
);

const post = (body: unknown, token = alice.token) => gw.post('/v1/jingle/request', body, token);

const taken = new Set<SseEvent>();
/** The next xmpp.jingle.request on a stream with that action not taken before, checked against its schema. */
async function request(stream: SseClient, action: string) {
  const e = await stream.next((x) => x.event === 'xmpp.jingle.request' && x.data.jingle.action === action && !taken.has(x));
  taken.add(e);
  const problem = eventSchemaProblem(reg, { event: e.event, data: e.data });
  if (problem) throw new Error(problem);
  return e.data;
}

/** Sends an action from one session and acknowledges it from the other; resolves with what the receiver saw. */
async function relay(from: { token: string }, to: { token: string; stream: SseClient }, toJid: string, fromJid: string, jingle: object) {
  const sending = post({ to: toJid, type: 'set', jingle }, from.token);
  const seen = await request(to.stream, (jingle as { action: string }).action);
  const ack = await post({ to: fromJid, id: seen.id, type: 'result' }, to.token);
  const sent = await sending;
  return { seen, ack, sent };
}

t.test('between two gateway sessions: initiate, accept, transport-info, terminate — the JSON arrives as sent', async (t) => {
  const offer = offerJson(aliceFull);
  const a = await relay(alice, { token: bob.token, stream: bobEvents }, bobFull, aliceFull, offer);
  t.same(a.seen, { from: aliceFull, type: 'set', id: a.seen.id, jingle: offer }, 'bob gets the offer, exactly');
  t.same(a.ack.body, { ok: true }, 'bob’s acknowledgement is sent');
  t.same(a.sent.body, { ok: true }, 'alice’s request answers once bob acknowledged it');

  const { initiator: _initiator, ...rest } = offer;
  const answer = { ...rest, action: 'session-accept', responder: bobFull };
  const b = await relay(bob, { token: alice.token, stream: aliceEvents }, aliceFull, bobFull, answer);
  t.same(b.seen.jingle, answer);
  t.equal(b.seen.from, bobFull);
  t.same(b.sent.body, { ok: true });

  const trickle = {
    sid: offer.sid,
    action: 'transport-info',
    contents: [
      {
        name: '0',
        creator: 'initiator',
        transport: {
          transType: 'iceUdp',
          ufrag: 'ZCDQ',
          pwd: 'hZMJSBBlBFBXGQ8ykmOwS9bp',
          candidates: [
            {
              foundation: '3',
              component: '1',
              protocol: 'udp',
              priority: '41885439',
              ip: '203.0.113.5',
              port: '3478',
              type: 'relay',
              generation: '0',
              network: '0',
              id: 'ic3',
              relAddr: '198.51.100.7',
              relPort: '50341',
            },
          ],
        },
      },
    ],
  };
  const c = await relay(alice, { token: bob.token, stream: bobEvents }, bobFull, aliceFull, trickle);
  t.same(c.seen.jingle, trickle);

  const bye = { sid: offer.sid, action: 'session-terminate', reason: { condition: 'success', text: 'Sorry, gotta go!' } };
  const d = await relay(bob, { token: alice.token, stream: aliceEvents }, aliceFull, bobFull, bye);
  t.same(d.seen.jingle, bye, 'the reason arrives (the original dropped it)');
  t.same(d.sent.body, { ok: true });
});

t.test('with a plain client: the offer on the wire is the golden pair’s, and dave acknowledges it', async (t) => {
  daveAnswers = () => true;
  const before = daveGot.length;
  const res = await post({ to: dave.jid, jingle: offerJson(aliceFull) });
  t.same(res.body, { ok: true });
  t.equal(daveGot.length, before + 1);
  const iq = daveGot[before]!;
  t.equal(iq.attrs.type, 'set');
  t.equal(iq.attrs.from, aliceFull);
  t.equal(
    canonical(parse(iq.getChild('jingle', JINGLE)!.toString())),
    canonical(offerXml(aliceFull)),
    'the jingle element, stanza for stanza',
  );
});

t.test('dave accepts: alice gets the request and acknowledges it; dave sees the result from alice', async (t) => {
  const accept = xml(
    'iq',
    { type: 'set', to: aliceFull, id: 'acc1' },
    xml(
      'jingle',
      { xmlns: JINGLE, action: 'session-accept', sid: 'a73sjjvkla37jfea', responder: dave.jid },
      xml(
        'content',
        { creator: 'initiator', name: '0', senders: 'both' },
        xml(
          'description',
          { xmlns: 'urn:xmpp:jingle:apps:rtp:1', media: 'audio' },
          xml(
            'payload-type',
            { id: '111', name: 'opus', clockrate: '48000', channels: '2' },
            xml('parameter', { name: 'minptime', value: '10' }),
          ),
          xml('rtcp-mux'),
        ),
        xml(
          'transport',
          { xmlns: 'urn:xmpp:jingle:transports:ice-udp:1', ufrag: 'Dv0a', pwd: 'lmq9a3d0PfQwFvOG4mUyz8Ah' },
          xml('fingerprint', { xmlns: 'urn:xmpp:jingle:apps:dtls:0', hash: 'sha-256', setup: 'active' }, 'AA:BB:CC'),
        ),
      ),
      xml('group', { xmlns: 'urn:xmpp:jingle:apps:grouping:0', semantics: 'BUNDLE' }, xml('content', { name: '0' })),
    ),
  );
  const asking = dave.xmpp.iqCaller.request(accept, 5000);
  const seen = await request(aliceEvents, 'session-accept');
  t.same(seen, {
    from: dave.jid,
    type: 'set',
    id: 'acc1',
    jingle: {
      sid: 'a73sjjvkla37jfea',
      action: 'session-accept',
      responder: dave.jid,
      contents: [
        {
          name: '0',
          creator: 'initiator',
          senders: 'both',
          description: {
            descType: 'rtp',
            media: 'audio',
            payloads: [{ id: '111', name: 'opus', clockrate: '48000', channels: '2', parameters: [{ key: 'minptime', value: '10' }] }],
            mux: true,
          },
          transport: {
            transType: 'iceUdp',
            ufrag: 'Dv0a',
            pwd: 'lmq9a3d0PfQwFvOG4mUyz8Ah',
            fingerprints: [{ hash: 'sha-256', setup: 'active', value: 'AA:BB:CC' }],
          },
        },
      ],
      groupings: [{ type: 'BUNDLE', contents: ['0'] }],
    },
  });
  const ack = await post({ to: dave.jid, id: 'acc1', type: 'result' });
  t.same(ack.body, { ok: true });
  const result = await asking;
  t.equal(result.attrs.type, 'result');
  t.equal(result.attrs.from, aliceFull, 'the acknowledgement comes from alice');
  t.equal(result.getChildElements().length, 0, 'an empty result (XEP-0166 §6.2)');
  t.equal((await post({ to: dave.jid, id: 'acc1', type: 'result' })).status, 404, 'a request is answered once');
});

t.test('alice rejects dave’s transport-info with a Jingle condition; dave sees both conditions', async (t) => {
  const trickle = xml(
    'iq',
    { type: 'set', to: aliceFull, id: 'ti1' },
    xml('jingle', { xmlns: JINGLE, action: 'transport-info', sid: 'unknown-to-alice' }),
  );
  const asking = dave.xmpp.iqCaller.request(trickle, 5000).then(
    () => undefined,
    (err: { condition?: string; type?: string; text?: string; element?: Element }) => err,
  );
  const seen = await request(aliceEvents, 'transport-info');
  const res = await post({
    to: dave.jid,
    id: seen.id,
    type: 'error',
    error: { type: 'cancel', condition: 'item-not-found', jingleCondition: 'unknown-session', text: 'No such session' },
  });
  t.same(res.body, { ok: true });
  const err = await asking;
  t.ok(err, 'dave’s request failed');
  t.equal(err?.type, 'cancel');
  t.equal(err?.condition, 'item-not-found');
  t.equal(err?.text, 'No such session');
  t.ok(err?.element?.getChild('item-not-found', STANZAS), 'the stanza condition');
  t.ok(err?.element?.getChild('unknown-session', JINGLE_ERRORS), 'and the Jingle one (XEP-0166 §8)');
});

t.test('dave refuses alice’s action: the peer’s conditions come back, 404', async (t) => {
  daveAnswers = () =>
    xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: STANZAS }), xml('unknown-session', { xmlns: JINGLE_ERRORS }));
  const res = await post({ to: dave.jid, jingle: { sid: 'gone', action: 'transport-info' } });
  t.equal(res.status, 404);
  t.same(res.body, { type: 'cancel', condition: 'item-not-found', application: { condition: 'unknown-session', xmlns: JINGLE_ERRORS } });
  daveAnswers = () => true;
});

t.test('alice terminates with a reason: on dave’s wire as XEP-0166 §7.4 says', async (t) => {
  const before = daveGot.length;
  const res = await post({
    to: dave.jid,
    jingle: { sid: 'a73sjjvkla37jfea', action: 'session-terminate', reason: { condition: 'success', text: 'Sorry, gotta go!' } },
  });
  t.same(res.body, { ok: true });
  const wire = daveGot[before]!.getChild('jingle', JINGLE)!;
  t.equal(
    canonical(parse(wire.toString())),
    canonical(
      parse(
        `<jingle xmlns='${JINGLE}' action='session-terminate' sid='a73sjjvkla37jfea'><reason><success/><text>Sorry, gotta go!</text></reason></jingle>`,
      ),
    ),
  );
});

t.test('a request nobody acknowledges: the requester gets an error within ANSWER_TIMEOUT_MS, never silence', async (t) => {
  const started = Date.now();
  const asking = dave.xmpp.iqCaller
    .request(
      xml('iq', { type: 'set', to: carolFull, id: 'ring1' }, xml('jingle', { xmlns: JINGLE, action: 'session-initiate', sid: 's9' })),
      5000,
    )
    .then(
      () => undefined,
      (err: { condition?: string; type?: string }) => err,
    );
  const err = await asking;
  t.equal(err?.condition, 'recipient-unavailable');
  t.equal(err?.type, 'wait');
  t.ok(Date.now() - started < 4000, 'well before dave’s own timeout');
  const late = await slowGw.post('/v1/jingle/request', { to: dave.jid, id: 'ring1', type: 'result' }, carol.token);
  t.equal(late.status, 404, 'a late acknowledgement refers to nothing');
});

t.test('bad input: 400 with XMPP-FTW’s messages, and nothing reaches dave', async (t) => {
  const before = daveGot.length;
  const cases: Array<[unknown, string]> = [
    [{ jingle: { sid: 's1', action: 'session-terminate' } }, "Missing 'to' key"],
    [{ to: dave.jid }, "Missing 'jingle' key"],
    [{ to: dave.jid, jingle: { action: 'session-terminate' } }, "Missing 'sid' key"],
    [{ to: dave.jid, jingle: { sid: 's1' } }, "Missing 'action' key"],
    [{ to: dave.jid, type: 'result' }, "Missing 'id' key"],
    [{ to: dave.jid, id: 'x', type: 'error' }, "Missing 'error' key"],
    [
      { to: dave.jid, jingle: { sid: 's1', action: 'session-terminate', reason: { condition: 'bored' } } },
      "'jingle.reason.condition' must be one of: alternative-session, busy, cancel, connectivity-error, decline, expired, failed-application, failed-transport, general-error, gone, incompatible-parameters, media-error, security-error, success, timeout, unsupported-applications, unsupported-transports",
    ],
  ];
  for (const [body, description] of cases) {
    const res = await post(body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.same(res.body, { type: 'modify', condition: 'client-error', description, request: body });
  }
  await new Promise((r) => setTimeout(r, 200));
  t.equal(daveGot.length, before, 'nothing was sent');
});

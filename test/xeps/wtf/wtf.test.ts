// Unknown stanzas end to end: a XEP-0114 component sends the gateway session stanzas no area maps
// (and some that one does). Only the unclaimed ones become xmpp.wtf.push, carrying the stanza as
// received; a flood is cut at WTF_PER_MINUTE and oversized stanzas at WTF_MAX_BYTES.
import t from 'tap';
import { parse, type Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { cxml, startComponent } from '../../helpers/component.js';
import { startGateway } from '../../helpers/gateway.js';
import { canonical, eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';
import type { SseClient } from '../../helpers/sse.js';

const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

const prosody = await startProsody({ users: 2, lean: true });
const gw = await startGateway(prosody, { unknownStanzasPerMinute: 5, unknownStanzaMaxBytes: 1024 });
const component = await startComponent(prosody);
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const bobFull = `${bobUser.jid}/gw`;
const aliceEvents = await gw.events({ token: alice.token });
const bobEvents = await gw.events({ token: bob.token });
const reg = await loadRegistry();
// Initial presence: the server then delivers directed presence to the sessions too.
await gw.post('/v1/presence', {}, alice.token);
await gw.post('/v1/presence', {}, bob.token);
const BOT = `bot@${prosody.componentDomain}`;
t.teardown(async () => {
  await component.stop();
  await gw.close();
  await prosody.stop();
});

let n = 0;
const nextId = () => `w${++n}`;

/** A chat message from the bot, handled by chat: once it is an event, everything sent before it has been dispatched. */
async function marker(stream: SseClient, to: string): Promise<number> {
  const id = nextId();
  await component.send(cxml('message', { from: BOT, to, type: 'chat', id }, cxml('body', {}, `marker ${id}`)));
  const e = await stream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === id);
  return stream.events.indexOf(e);
}

const pushes = (stream: SseClient, from = 0) => stream.events.slice(from).filter((e) => e.event === 'xmpp.wtf.push');

/** The pushed XML, parsed, in the canonical form stanzas are compared in (without the xml:lang Prosody stamps on). */
const pushed = (xml: string) => {
  const el = parse(xml);
  delete el.attrs['xml:lang'];
  return canonical(el);
};
/** What the component sent, in the same form (a stanza without xmlns is in jabber:client). */
const sent = (el: Element) => canonical(parse(el.toString()));

t.test('a message with an unknown payload and no body is pushed as its XML text', async (t) => {
  const from = aliceEvents.events.length;
  const id = nextId();
  const stanza = cxml(
    'message',
    { from: BOT, to: aliceFull, id },
    cxml('weather', { xmlns: 'urn:example:weather', city: 'Verona' }, 'sunny'),
  );
  await component.send(stanza);
  const e = await aliceEvents.next((x) => x.event === 'xmpp.wtf.push' && x.data.includes(`id="${id}"`), 5000, from);
  t.type(e.data, 'string', 'the data is the XML text, not an object');
  t.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined);
  t.equal(pushed(e.data), sent(stanza), 'exactly the stanza the component sent');
});

t.test('presence with only an unknown child, and chat with one, are the areas’ own: never pushed', async (t) => {
  const from = aliceEvents.events.length;
  await component.send(cxml('presence', { from: BOT, to: aliceFull }, cxml('mood', { xmlns: 'urn:example:mood' })));
  const presence = await aliceEvents.next((x) => x.event === 'xmpp.presence' && x.data.from.domain === prosody.componentDomain, 5000, from);
  t.same(presence.data, { from: { user: 'bot', domain: prosody.componentDomain } });
  const id = nextId();
  await component.send(
    cxml('message', { from: BOT, to: aliceFull, type: 'chat', id }, cxml('body', {}, 'hi'), cxml('x', { xmlns: 'urn:example' })),
  );
  const chat = await aliceEvents.next((x) => x.event === 'xmpp.chat.message' && x.data.id === id, 5000, from);
  t.equal(chat.data.content, 'hi');
  await marker(aliceEvents, aliceFull);
  t.same(pushes(aliceEvents, from), [], 'nothing pushed');
});

t.test('an IQ result nobody waits for is pushed; an unknown IQ get is answered service-unavailable and pushed', async (t) => {
  const from = aliceEvents.events.length;
  const lateId = nextId();
  const late = cxml(
    'iq',
    { from: BOT, to: aliceFull, type: 'result', id: lateId },
    cxml('query', { xmlns: 'jabber:iq:version' }, cxml('name', {}, 'bot')),
  );
  await component.send(late);
  const e = await aliceEvents.next((x) => x.event === 'xmpp.wtf.push' && x.data.includes(`id="${lateId}"`), 5000, from);
  t.equal(pushed(e.data), sent(late));

  const getId = nextId();
  await component.send(cxml('iq', { from: BOT, to: aliceFull, type: 'get', id: getId }, cxml('time', { xmlns: 'urn:xmpp:time' })));
  const push = await aliceEvents.next((x) => x.event === 'xmpp.wtf.push' && x.data.includes(`id="${getId}"`), 5000, from);
  t.match(push.data, /urn:xmpp:time/);
  const deadline = Date.now() + 5000;
  let answer: Element | undefined;
  while (!answer && Date.now() < deadline) {
    answer = component.stanzas.find((s) => s.attrs.id === getId);
    if (!answer) await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(answer?.attrs.type, 'error', 'the requester got its RFC 6120 §8.4 answer');
  t.ok(answer?.getChild('error')?.getChild('service-unavailable', STANZAS));
  t.equal(answer?.attrs.from, aliceFull);
});

t.test('archive results nobody asked for are dropped, not pushed', async (t) => {
  const from = aliceEvents.events.length;
  await component.send(
    cxml(
      'message',
      { from: BOT, to: aliceFull, id: nextId() },
      cxml(
        'result',
        { xmlns: 'urn:xmpp:mam:2', queryid: 'guessed', id: 'a1' },
        cxml(
          'forwarded',
          { xmlns: 'urn:xmpp:forward:0' },
          cxml('message', { xmlns: 'jabber:client', from: BOT, type: 'chat' }, cxml('body', {}, 'spoofed')),
        ),
      ),
    ),
  );
  await marker(aliceEvents, aliceFull);
  t.same(
    aliceEvents.events.slice(from).map((e) => e.event),
    ['xmpp.chat.message'],
    'only the marker: no push, no archived message',
  );
});

t.test('larger than WTF_MAX_BYTES: a warning instead of the push', async (t) => {
  const from = aliceEvents.events.length;
  await component.send(
    cxml('message', { from: BOT, to: aliceFull, id: nextId() }, cxml('blob', { xmlns: 'urn:example:blob' }, 'x'.repeat(2000))),
  );
  const warning = await aliceEvents.next((x) => x.event === 'xmpp.gateway.warning', 5000, from);
  t.equal(warning.data.condition, 'unknown-stanza-too-large');
  t.match(warning.data.description, /WTF_MAX_BYTES 1024/);
  await marker(aliceEvents, aliceFull);
  t.same(pushes(aliceEvents, from), []);
});

t.test('a flood is cut at WTF_PER_MINUTE per session, with one warning', async (t) => {
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const id = nextId();
    ids.push(id);
    await component.send(cxml('message', { from: BOT, to: bobFull, id }, cxml('x', { xmlns: 'urn:example:flood' })));
  }
  await marker(bobEvents, bobFull);
  const got = pushes(bobEvents).map((e) => /id="([^"]+)"/.exec(e.data)?.[1]);
  t.same(got, ids.slice(0, 5), 'the first five, in order');
  const warnings = bobEvents.events.filter((e) => e.event === 'xmpp.gateway.warning');
  t.equal(warnings.length, 1, 'one warning for the whole flood');
  t.equal(warnings[0]?.data.condition, 'unknown-stanzas-dropped');
  t.same(
    pushes(aliceEvents).filter((e) => ids.some((id) => e.data.includes(`id="${id}"`))),
    [],
    'another session’s flood is not alice’s',
  );
});

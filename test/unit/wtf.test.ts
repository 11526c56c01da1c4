// Unknown stanzas are pushed at most WTF_PER_MINUTE a minute per session: a flood costs one
// warning, and pushes resume as the bucket refills. Through the real receive path and dispatcher.
import t from 'tap';
import { parse } from 'ltx';
import { registry } from '../../src/xeps/index.js';
import type { XmppContext } from '../../src/xmpp/context.js';
import { receiveStanza } from '../../src/xmpp/incoming.js';
import { fakeSession, FAKE_LIMITS, loadRegistry } from '../helpers/golden.js';

const reg = await loadRegistry(registry);

function session(unknownStanzasPerMinute: number) {
  const fake = fakeSession(reg.features);
  const ctx: XmppContext = { ...fake.ctx, limits: { ...FAKE_LIMITS, unknownStanzasPerMinute } };
  let n = 0;
  const receive = () =>
    receiveStanza(reg.loaded.dispatcher, ctx, parse(`<message from='bot@example.org' id='u${++n}'><x xmlns='urn:example'/></message>`));
  const names = () => fake.events.map((e) => e.event);
  return { receive, names, events: fake.events };
}

function at(now: number) {
  const real = Date.now;
  Date.now = () => now;
  return () => {
    Date.now = real;
  };
}

t.test('a burst up to the rate is pushed; beyond it one warning, then silence', async (t) => {
  const s = session(3);
  const restore = at(1_000_000);
  t.teardown(restore);
  for (let i = 0; i < 10; i++) s.receive();
  t.same(s.names(), ['xmpp.wtf.push', 'xmpp.wtf.push', 'xmpp.wtf.push', 'xmpp.gateway.warning']);
  t.equal((s.events[3]!.data as { condition: string }).condition, 'unknown-stanzas-dropped');
  t.match(s.events[0]!.data, /id="u1"/, 'the pushes are the first stanzas, in order');
});

t.test('the bucket refills over the minute; a later flood warns again', async (t) => {
  const s = session(3);
  let restore = at(2_000_000);
  for (let i = 0; i < 5; i++) s.receive();
  restore();
  restore = at(2_000_000 + 20_000); // a third of a minute: one token back
  s.receive();
  s.receive();
  restore();
  t.same(s.names(), ['xmpp.wtf.push', 'xmpp.wtf.push', 'xmpp.wtf.push', 'xmpp.gateway.warning', 'xmpp.wtf.push', 'xmpp.gateway.warning']);
  t.match(s.events[4]!.data, /id="u6"/);
});

t.test('WTF_PER_MINUTE 0: nothing is pushed and nothing warns', async (t) => {
  const s = session(0);
  for (let i = 0; i < 5; i++) s.receive();
  t.same(s.names(), []);
});

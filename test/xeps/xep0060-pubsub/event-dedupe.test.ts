// The per-session window that drops a pubsub#event message repeated with the same sender and id
// (src/xmpp/incoming.ts), through the same receive path and dispatcher as a live session, and the
// window's bounds on its own (count and age, with a clock of the test's).
import t from 'tap';
import { EVENT_DEDUPE, receiveStanza, RecentEventIds } from '../../../src/xmpp/incoming.js';
import { fakeSession, loadRegistry, parseStanza } from '../../helpers/golden.js';

const reg = await loadRegistry();

const tune = (id: string | undefined, from = 'bob@localhost', item = 'current') =>
  parseStanza(
    `<message xmlns='jabber:client' from='${from}' to='alice@localhost/gw' type='headline'${id === undefined ? '' : ` id='${id}'`}>` +
      `<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='http://jabber.org/protocol/tune'>` +
      `<item id='${item}'><tune xmlns='http://jabber.org/protocol/tune'><artist>Yes</artist></tune></item></items></event></message>`,
  );

/** Delivers the stanzas to one fake session; returns the names of the events emitted. */
function deliver(...stanzas: ReturnType<typeof tune>[]): string[] {
  const session = fakeSession(reg.features);
  for (const s of stanzas) receiveStanza(reg.loaded.dispatcher, session.ctx, s);
  return session.events.map((e) => e.event);
}

t.test('the same notification twice (same from, same id) is one event', async (t) => {
  t.same(deliver(tune('m1'), tune('m1')), ['xmpp.pubsub.push.item']);
});

t.test('two ids are two events', async (t) => {
  t.same(deliver(tune('m1'), tune('m2')), ['xmpp.pubsub.push.item', 'xmpp.pubsub.push.item']);
});

t.test('one id from two senders is two events', async (t) => {
  t.same(deliver(tune('m1', 'bob@localhost'), tune('m1', 'carol@localhost')), ['xmpp.pubsub.push.item', 'xmpp.pubsub.push.item']);
});

t.test('a notification without an id is never dropped', async (t) => {
  t.same(deliver(tune(undefined), tune(undefined)), ['xmpp.pubsub.push.item', 'xmpp.pubsub.push.item']);
});

t.test('the window is per session', async (t) => {
  t.same(deliver(tune('m1')), ['xmpp.pubsub.push.item']);
  t.same(deliver(tune('m1')), ['xmpp.pubsub.push.item']);
});

t.test('a repeated id of a message that is not a pubsub event is not dropped', async (t) => {
  const chat = () =>
    parseStanza(
      `<message xmlns='jabber:client' from='bob@localhost/x' to='alice@localhost/gw' type='chat' id='c1'><body>hi</body></message>`,
    );
  t.same(deliver(chat(), chat()), ['xmpp.chat.message', 'xmpp.chat.message']);
});

t.test('the window forgets after its age and beyond its size', async (t) => {
  let now = 1_000_000;
  const recent = new RecentEventIds(3, 1000, () => now);
  t.equal(recent.repeated('s', 'a'), false);
  t.equal(recent.repeated('s', 'a'), true, 'within the window');
  now += 999;
  t.equal(recent.repeated('s', 'a'), true, '999 ms later');
  now += 1;
  t.equal(recent.repeated('s', 'a'), false, 'seen again 1000 ms after it was first recorded: forgotten');
  for (const id of ['b', 'c', 'd']) t.equal(recent.repeated('s', id), false);
  t.equal(recent.repeated('s', 'a'), false, 'the oldest of 3 is dropped for the 4th');
  t.equal(recent.repeated('s', 'd'), true, 'the newest is kept');
  t.same(EVENT_DEDUPE, { size: 64, ms: 30_000 }, 'the defaults: 64 ids, 30 s');
});

// XEP-0198 §4: both counters are modulo 2^32. Streams that live long enough (or taken over from a
// snapshot) cross it; the counts, acks and <resume/> must go on as if nothing happened.
import t from 'tap';
import { parse, type Element } from 'ltx';
import { laterH, StreamManagement } from '../../src/workers/stream-management.js';
import { serialize } from '../../src/xmpp/serialize.js';

const MOD = 2 ** 32;
const limits = { maxUnacked: 10, maxUnackedBytes: 10000, ackEvery: 100 };
const msg = (n: number): Element => parse(`<message to='a@localhost' id='m${n}'><body>${n}</body></message>`);

function near(inbound: number, acked: number, queued = 0): StreamManagement {
  const sm = new StreamManagement(limits);
  sm.restore({ id: 'sm1', inbound, acked, queue: Array.from({ length: queued }, (_, i) => serialize(msg(i))) }, parse);
  return sm;
}

t.test('the incoming h wraps from 2^32-1 to 0 in <a/> and <resume/>', async (t) => {
  const sm = near(MOD - 2, 0);
  sm.received();
  t.equal(sm.handled, MOD - 1);
  t.equal(sm.answer().attrs.h, String(MOD - 1));
  sm.received();
  t.equal(sm.handled, 0, '2^32 is 0');
  sm.received();
  t.equal(sm.answer().attrs.h, '1');
  t.equal(sm.resume().attrs.h, '1');
  t.equal(sm.resume().attrs.previd, 'sm1');
});

t.test("the server's h across the wrap acknowledges the right stanzas", async (t) => {
  // The server handled up to 2^32-2; three of ours are waiting (numbers 2^32-1, 0, 1 to it).
  const sm = near(0, MOD - 2, 0);
  for (let i = 0; i < 3; i++) sm.sent(msg(i), 50);
  t.equal(sm.unacked, 3);
  sm.onAck(0);
  t.equal(sm.unacked, 1, 'h=0 after the wrap acknowledges two');
  const again = sm.onResumed(parse("<resumed xmlns='urn:xmpp:sm:3' h='0' previd='sm1'/>"));
  t.same(
    again.map((s) => s.attrs.id),
    ['m2'],
    'only the one the server never got is sent again',
  );
  sm.onAck(1);
  t.equal(sm.unacked, 0);
});

t.test('an h beyond what was sent counts as all of it; one outside 0..2^32-1 is ignored', async (t) => {
  const sm = near(0, MOD - 1, 0);
  sm.sent(msg(1), 50);
  sm.sent(msg(2), 50);
  sm.onAck(MOD);
  t.equal(sm.unacked, 2, '2^32 itself is not a valid h');
  sm.onAck(-1);
  t.equal(sm.unacked, 2);
  sm.onAck(5);
  t.equal(sm.unacked, 0, 'past the wrap, more than was sent: everything');
});

t.test('a restored snapshot keeps its queue, its bytes and its bounds', async (t) => {
  const sm = near(7, 3, 2);
  t.equal(sm.unacked, 2);
  const snap = sm.snapshot(7, serialize);
  t.same(snap?.queue.length, 2);
  t.equal(snap?.inbound, 7);
  t.equal(snap?.acked, 3);
  // The limit of 10 counts the restored ones.
  for (let i = 0; i < 8; i++) sm.sent(msg(i), 10);
  t.throws(() => sm.sent(msg(99), 10), { name: 'SmOverflow' });
});

t.test('the later of two h values, across the wrap (a takeover resumes after the h the log holds)', async (t) => {
  t.equal(laterH(5, 9), 9);
  t.equal(laterH(9, 5), 9, 'in either order');
  t.equal(laterH(7, 7), 7);
  t.equal(laterH(MOD - 3, 2), 2, '2 is 5 after 2^32-3');
  t.equal(laterH(2, MOD - 3), 2);
  t.equal(laterH(0, MOD / 2 - 1), MOD / 2 - 1, 'less than half the circle ahead is later');
  t.equal(laterH(0, MOD / 2 + 1), 0, 'more than half is behind');
});

import t from 'tap';
import { MemoryEventLog } from '../../src/events/log.js';

t.test('ids increase, replay follows the cursor, bounds hold, gaps are reported', async (t) => {
  let now = 1000;
  const log = new MemoryEventLog({ maxEvents: 3, maxAgeMs: 10_000, now: () => now });
  const seen: string[] = [];
  const off = await log.subscribe('s', (e) => seen.push(e.name));
  const e1 = await log.append('s', 'a', { n: 1 });
  const e2 = await log.append('s', 'b', { n: 2 });
  t.same(seen, ['a', 'b'], 'live listeners get each event');
  const r = await log.read('s', e1.id);
  t.same(r, { events: [{ id: e2.id, name: 'b', data: '{"n":2}' }], gap: false });
  await log.append('s', 'c', {});
  await log.append('s', 'd', {});
  const after1 = await log.read('s', e1.id);
  t.same(
    after1.events.map((e) => e.name),
    ['b', 'c', 'd'],
    'a is evicted but nothing after the cursor is',
  );
  t.equal(after1.gap, false, 'the cursor event itself may be evicted without a gap');
  await log.append('s', 'e', {});
  const late = await log.read('s', e1.id);
  t.equal(late.gap, true, 'b was evicted: the cursor is too old');
  t.same(
    late.events.map((e) => e.name),
    ['c', 'd', 'e'],
  );
  t.equal((await log.read('s', 'zz-1')).gap, true, 'another log’s cursor is a gap');
  const all = await log.read('s', undefined);
  t.equal(all.gap, true, 'without a cursor, lost beginnings are a gap too');
  now += 20_000;
  t.same((await log.read('s', undefined)).events, [], 'events expire by age');
  off();
  await log.append('s', 'f', {});
  t.same(seen, ['a', 'b', 'c', 'd', 'e'], 'unsubscribed listeners hear nothing');
  const other = await log.read('other', undefined);
  t.same(other, { events: [], gap: false }, 'sessions do not share a log');
});

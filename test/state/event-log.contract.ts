// The event log contract: what the SSE streams and the session code rely on (ids and their order,
// replay after a cursor, gaps, bounds by count and age, subscribe before read, isolation).
// CONTRACT_CONFIG bounds the log to 3 events and 0.4 s.
import type { Test } from 'tap';
import type { EventLog, LoggedEvent } from '../../src/state/event-log.js';
import { type Backend, newSid, sleep } from './backend.js';

const names = (events: LoggedEvent[]) => events.map((e) => e.name);

export function eventLogContract(t: Test, backend: Backend): void {
  t.test(`${backend.name}: event log`, async (t) => {
    const { node } = await backend.fresh();
    const a: EventLog = (await node('a')).log;
    const b: EventLog = (await node('b')).log;

    t.test('the newest event logged with an XEP-0198 h tells it on every node; one without leaves it', async (t) => {
      const sid = newSid();
      t.equal(await b.lastHandled(sid), undefined, 'nothing logged: none');
      await a.append(sid, 'xmpp.connection', { status: 'online' });
      t.equal(await b.lastHandled(sid), undefined, 'no event with one: none');
      await a.append(sid, 'xmpp.chat.message', { n: 1 }, false, 7);
      await a.append(sid, 'xmpp.chat.message', { n: 2 }, false, 9);
      await a.append(sid, 'xmpp.connection', { status: 'reconnecting' });
      t.equal(await b.lastHandled(sid), 9, 'the newest with one');
      t.same(
        (await b.read(sid, undefined)).events.map((e) => e.data).slice(-3),
        ['{"n":1}', '{"n":2}', '{"status":"reconnecting"}'],
        'the h is not part of what readers get',
      );
    });

    t.test('"after" compares positions, not strings (the tenth event follows the ninth)', async (t) => {
      const sid = newSid();
      const ids: string[] = [];
      for (let i = 1; i <= 11; i++) ids.push((await a.append(sid, 'n', { i })).id);
      for (let i = 1; i < ids.length; i++) {
        t.ok(b.isAfter(ids[i - 1]!, ids[i]!) && !b.isAfter(ids[i]!, ids[i - 1]!), `event ${i + 1} after event ${i}`);
      }
    });

    t.test('ids follow log order; a read after a cursor returns exactly what followed, on every node', async (t) => {
      const sid = newSid();
      const e1 = await a.append(sid, 'a', { n: 1 });
      const e2 = await a.append(sid, 'b', { n: 2 });
      const e3 = await a.append(sid, 'c', { n: 3 }, true);
      t.ok(a.isContiguous(e1.id, e2.id) && b.isContiguous(e2.id, e3.id), 'consecutive events are contiguous');
      t.ok(a.isAfter(e1.id, e2.id) && b.isAfter(e1.id, e3.id), 'a later event is after');
      t.notOk(a.isAfter(e2.id, e2.id) || b.isAfter(e3.id, e1.id), 'the same or an earlier one is not');
      t.same(await b.read(sid, e1.id), {
        events: [
          { id: e2.id, name: 'b', data: '{"n":2}' },
          { id: e3.id, name: 'c', data: '{"n":3}', final: true },
        ],
        gap: false,
      });
      t.same(await b.read(sid, e3.id), { events: [], gap: false }, 'nothing after the last one');
      t.same((await a.read(sid, undefined)).events, (await b.read(sid, undefined)).events, 'the same ids everywhere');
    });

    t.test('bounded by count: the oldest go; a cursor older than the log is a gap', async (t) => {
      const sid = newSid();
      const ev: LoggedEvent[] = [];
      for (const name of ['a', 'b', 'c', 'd']) ev.push(await a.append(sid, name, {}));
      const after1 = await b.read(sid, ev[0]!.id);
      t.same(names(after1.events), ['b', 'c', 'd'], 'a is evicted but nothing after the cursor is');
      t.equal(after1.gap, false, 'the cursor event itself may be evicted without a gap');
      await a.append(sid, 'e', {});
      const late = await b.read(sid, ev[0]!.id);
      t.equal(late.gap, true, 'b was evicted: the cursor is too old');
      t.same(names(late.events), ['c', 'd', 'e']);
      const all = await b.read(sid, undefined);
      t.same(names(all.events), ['c', 'd', 'e'], 'without a cursor: everything kept');
      t.equal(all.gap, true, 'without a cursor, a lost beginning is a gap too');
      const other = await b.read(sid, 'zz-1');
      t.same({ gap: other.gap, names: names(other.events) }, { gap: true, names: ['c', 'd', 'e'] }, 'a cursor of no log of ours is a gap');
    });

    t.test('bounded by age', async (t) => {
      const sid = newSid();
      await a.append(sid, 'old', {});
      await sleep(700);
      t.same((await b.read(sid, undefined)).events, [], 'events expire');
    });

    t.test('subscribe before read: once subscribed, every later event arrives live, from whichever node appends it', async (t) => {
      const sid = newSid();
      const seen: string[] = [];
      const off = await b.subscribe(sid, (e) => seen.push(e.name));
      const mine = await a.append(sid, 'x', {});
      await b.append(sid, 'y', { from: 'another node' });
      const deadline = Date.now() + 2000;
      while (seen.length < 2 && Date.now() < deadline) await sleep(10);
      t.same(seen, ['x', 'y']);
      const [x, y] = (await a.read(sid, undefined)).events;
      t.equal(x?.id, mine.id);
      t.ok(y && a.isContiguous(mine.id, y.id), 'an event of another node takes the next place');
      off();
      await a.append(sid, 'z', {});
      await sleep(100);
      t.same(seen, ['x', 'y'], 'unsubscribed listeners hear nothing');
    });

    t.test('sessions do not share a log; drop empties one', async (t) => {
      const s1 = newSid();
      const s2 = newSid();
      const heard: string[] = [];
      const off = await a.subscribe(s2, (e) => heard.push(e.name));
      await a.append(s1, 'for s1', {});
      await sleep(100);
      t.same(await b.read(s2, undefined), { events: [], gap: false });
      t.same(heard, []);
      off();
      await a.drop(s1);
      t.same((await b.read(s1, undefined)).events, []);
    });
  });
}

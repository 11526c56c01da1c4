// The one-pass fan-out of src/http/sse.ts: queued streams are flushed once per event-loop turn, and
// streams with the same queue share one encoded Buffer.
import t from 'tap';
import { FanOut, formatEvent, framesOf } from '../../src/http/sse.js';
import type { LoggedEvent } from '../../src/state/event-log.js';

const ev = (n: number): LoggedEvent => ({ id: `e-${n}`, name: 'xmpp.chat.message', data: `{"content":"m${n}"}` });

t.test('framesOf: the frames in order, encoded once for equal queues, apart for different ones', async (t) => {
  const shared = new Map<string, Buffer>();
  const events = [ev(1), ev(2), ev(3)];
  const one = framesOf('s1', events, shared);
  t.equal(one.toString('utf8'), events.map(formatEvent).join(''));
  // Another stream's queue of the same events (the Redis log hands each stream its own objects).
  t.equal(
    framesOf(
      's1',
      events.map((e) => ({ ...e })),
      shared,
    ),
    one,
    'the same Buffer',
  );
  t.not(framesOf('s1', events.slice(1), shared), one, 'a shorter queue has its own');
  t.not(framesOf('s2', events, shared), one, 'another session has its own');
});

t.test('FanOut: a stream marked many times in one turn is flushed once, after the turn', async (t) => {
  const fanOut = new FanOut();
  const flushed: string[] = [];
  const mk = (name: string) => ({ flush: () => void flushed.push(name) });
  const a = mk('a');
  const b = mk('b');
  const c = mk('c');
  for (let i = 0; i < 5; i++) fanOut.mark(a);
  fanOut.mark(b);
  fanOut.mark(c);
  fanOut.forget(c);
  t.same(flushed, [], 'nothing written synchronously');
  await new Promise((r) => setImmediate(r));
  t.same(flushed, ['a', 'b'], 'once each; a forgotten stream not at all');
});

// The thread-message batcher of src/workers/protocol.ts: one postMessage per turn, a cap per batch,
// and with holdMs at most one batch per interval, while a lone message still leaves on the next turn.
import t from 'tap';
import { batcher } from '../../src/workers/protocol.js';

const turn = () => new Promise((r) => setImmediate(r));

/** Resolves with the next batch sent (bounded: a batch that never comes fails the test). */
function recorder() {
  const batches: Array<{ at: number; items: number[] }> = [];
  let waiter: (() => void) | undefined;
  const send = (items: number[]) => {
    batches.push({ at: performance.now(), items });
    waiter?.();
  };
  const next = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${batches.length} batches`)), 5000);
      timer.unref();
      const check = () => {
        if (batches.length >= count) {
          clearTimeout(timer);
          waiter = undefined;
          resolve();
        }
      };
      waiter = check;
      check();
    });
  return { batches, send, next };
}

t.test('without a hold: the messages of one turn cross together on the next turn, in order', async (t) => {
  const r = recorder();
  const post = batcher<number>(r.send);
  post(1);
  post(2);
  post(3);
  t.same(r.batches, [], 'nothing sent synchronously');
  await turn();
  t.same(
    r.batches.map((b) => b.items),
    [[1, 2, 3]],
  );
});

t.test('a full batch leaves at once; flush() sends what is queued now', async (t) => {
  const r = recorder();
  const post = batcher<number>(r.send, 3, 50);
  for (let i = 1; i <= 4; i++) post(i);
  t.same(
    r.batches.map((b) => b.items),
    [[1, 2, 3]],
    'the cap sent the first three synchronously',
  );
  post.flush();
  t.same(
    r.batches.map((b) => b.items),
    [[1, 2, 3], [4]],
    'flush() does not wait for the hold',
  );
});

t.test('with a hold: a lone message leaves on the next turn; the ones right after wait for the interval, together', async (t) => {
  const r = recorder();
  const holdMs = 40;
  const post = batcher<number>(r.send, 64, holdMs);
  const t0 = performance.now();
  post(1);
  await r.next(1);
  t.ok(r.batches[0]!.at - t0 < holdMs, 'the first message did not wait for the hold');
  // Three more, one per turn, within the interval after the first batch.
  post(2);
  await turn();
  post(3);
  await turn();
  post(4);
  t.equal(r.batches.length, 1, 'held while the interval runs');
  await r.next(2);
  t.same(r.batches[1]!.items, [2, 3, 4], 'one batch for the three');
  // Timers may fire a little early by the clock (ms rounding): allow 2 ms.
  t.ok(r.batches[1]!.at - r.batches[0]!.at >= holdMs - 2, 'not before the interval since the previous batch');
  // After a quiet interval a message leaves on the next turn again.
  await new Promise((resolve) => setTimeout(resolve, holdMs + 5));
  const t1 = performance.now();
  post(5);
  await r.next(3);
  t.same(r.batches[2]!.items, [5]);
  t.ok(r.batches[2]!.at - t1 < holdMs, 'no hold after a quiet interval');
});

// The thread-message batcher of src/workers/protocol.ts: the messages of one turn cross in one
// postMessage on the next turn, a full batch at once (the pool's requests use a cap of 64, src/workers/pool.ts).
import t from 'tap';
import { batcher } from '../../src/workers/protocol.js';

const turn = () => new Promise((r) => setImmediate(r));

t.test('the messages of one turn cross together on the next turn, in order', async (t) => {
  const batches: number[][] = [];
  const post = batcher<number>((b) => batches.push(b));
  post(1);
  post(2);
  post(3);
  t.same(batches, [], 'nothing sent synchronously');
  await turn();
  t.same(batches, [[1, 2, 3]]);
  await turn();
  t.same(batches, [[1, 2, 3]], 'nothing more without new messages');
});

t.test('a full batch leaves at once, the rest on the next turn; flush() sends what is queued now', async (t) => {
  const batches: number[][] = [];
  const post = batcher<number>((b) => batches.push(b), 3);
  for (let i = 1; i <= 5; i++) post(i);
  t.same(batches, [[1, 2, 3]], 'the cap sent the first three synchronously');
  await turn();
  t.same(batches, [
    [1, 2, 3],
    [4, 5],
  ]);
  post(6);
  post.flush();
  t.same(batches, [[1, 2, 3], [4, 5], [6]], 'flush() does not wait for the turn');
});

t.test('64 requests of one turn cross in one batch with the pool’s cap', async (t) => {
  const batches: number[][] = [];
  const post = batcher<number>((b) => batches.push(b), 64);
  for (let i = 0; i < 64; i++) post(i);
  t.equal(batches.length, 1, 'sent when full');
  t.equal(batches[0]!.length, 64);
});

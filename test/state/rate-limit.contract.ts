// The rate-limit contract: counts in a fixed window that starts with the first attempt, the time
// until it ends, counting again after it, undo (never below zero), keys apart, and atomicity:
// concurrent attempts from two nodes are each counted once.
import type { Test } from 'tap';
import { type Backend, newSid, sleep } from './backend.js';

export function rateLimitContract(t: Test, backend: Backend): void {
  t.test(`${backend.name}: rate limits`, async (t) => {
    const { node } = await backend.fresh();
    const A = await node('node-a');
    const B = await node('node-b');
    t.teardown(() => Promise.all([A.ownership.stop(), B.ownership.stop()]));

    t.test('counts attempts in a window, with the time left', async (t) => {
      const key = newSid();
      const first = await A.rateLimits.hit(key, 60_000);
      t.equal(first.count, 1);
      t.ok(first.resetMs > 59_000 && first.resetMs <= 60_000, `resetMs ${first.resetMs} is the whole window`);
      t.equal((await B.rateLimits.hit(key, 60_000)).count, 2, 'another node counts on');
      const third = await A.rateLimits.hit(key, 60_000);
      t.equal(third.count, 3);
      t.ok(third.resetMs <= first.resetMs, 'a later attempt does not extend the window');
      t.equal((await A.rateLimits.hit(`${key}-other`, 60_000)).count, 1, 'keys are counted apart');
    });

    t.test('a lapsed window starts again from one', async (t) => {
      const key = newSid();
      await A.rateLimits.hit(key, 200);
      t.equal((await A.rateLimits.hit(key, 200)).count, 2);
      await sleep(300);
      const again = await B.rateLimits.hit(key, 200);
      t.equal(again.count, 1);
      t.ok(again.resetMs > 100, 'a new window');
    });

    t.test('undo takes one attempt back, never below zero', async (t) => {
      const key = newSid();
      await A.rateLimits.undo(key);
      t.equal((await A.rateLimits.hit(key, 60_000)).count, 1, 'undo on nothing left nothing behind');
      await A.rateLimits.hit(key, 60_000);
      await B.rateLimits.undo(key);
      t.equal((await A.rateLimits.hit(key, 60_000)).count, 2);
      await A.rateLimits.undo(key);
      await A.rateLimits.undo(key);
      await A.rateLimits.undo(key);
      t.equal((await A.rateLimits.hit(key, 60_000)).count, 1);
    });

    t.test('concurrent attempts on two nodes are each counted once', async (t) => {
      const key = newSid();
      const counts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? A : B).rateLimits.hit(key, 60_000)));
      t.same(
        counts.map((c) => c.count).sort((x, y) => x - y),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    });
  });
}

// The webhook store contract: registrations shared by every node, at most `max` per session, one
// delivery lease per webhook (another node gets it once it lapses), progress written only by the
// holder (fencing), removal noticed by every node, and a restore that never overwrites.
import type { Test } from 'tap';
import type { StoredWebhook } from '../../src/state/webhook-store.js';
import { type Backend, newSid, sleep } from './backend.js';

let n = 0;
const webhook = (sid: string, extra: Partial<StoredWebhook> = {}): StoredWebhook => ({
  id: `wh_contract_${++n}`,
  sid,
  url: 'http://127.0.0.1:9/hook',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  createdAt: n,
  progress: { state: 'active' },
  ...extra,
});

export function webhookStoreContract(t: Test, backend: Backend): void {
  t.test(`${backend.name}: webhook store`, async (t) => {
    const { node } = await backend.fresh();
    const A = await node('node-a');
    const B = await node('node-b');
    t.teardown(() => Promise.all([A.ownership.stop(), B.ownership.stop()]));

    t.test('stored on one node, read on another; at most `max` per session', async (t) => {
      const sid = newSid();
      const first = webhook(sid, { events: ['xmpp.chat.message'], progress: { state: 'active', cursor: '4-0' } });
      t.ok(await A.webhooks.add(first, 2, 60_000));
      t.ok(await A.webhooks.add(webhook(sid), 2, 60_000));
      t.notOk(await B.webhooks.add(webhook(sid), 2, 60_000), 'a third one is refused');
      t.same(await B.webhooks.get(sid, first.id), first, 'everything, the secret and the progress included');
      t.same(
        (await B.webhooks.list(sid)).map((w) => w.id),
        [first.id, `wh_contract_${n - 1}`],
        'in the order they were made',
      );
      t.same(await B.webhooks.list(newSid()), [], 'another session has none');
      const all = await B.webhooks.all();
      t.ok(
        all.some((e) => e.sid === sid && e.id === first.id),
        'all() lists it',
      );
      t.equal(await B.webhooks.get(sid, 'wh_none'), undefined);
    });

    t.test('one lease: the adding node holds it, another gets it only once it lapses', async (t) => {
      const sid = newSid();
      const w = webhook(sid);
      await A.webhooks.add(w, 3, 300);
      t.equal(await B.webhooks.hold(sid, w.id, 300), 'taken');
      t.equal(await A.webhooks.hold(sid, w.id, 300), 'held', 'renewed by its holder');
      await sleep(450);
      t.equal(await B.webhooks.hold(sid, w.id, 300), 'held', 'lapsed: taken over');
      t.equal(await A.webhooks.hold(sid, w.id, 300), 'taken', 'the old holder is told');
      await B.webhooks.release(sid, w.id);
      t.equal(await A.webhooks.hold(sid, w.id, 300), 'held', 'released: free at once');
      await B.webhooks.release(sid, w.id);
      t.equal(await B.webhooks.hold(sid, w.id, 300), 'taken', 'a release by another node leaves the lease alone');
      t.equal(await A.webhooks.hold(sid, 'wh_none', 300), 'gone');
    });

    t.test('progress is written only by the lease holder', async (t) => {
      const sid = newSid();
      const w = webhook(sid);
      await A.webhooks.add(w, 3, 60_000);
      t.ok(await A.webhooks.saveProgress(sid, w.id, { state: 'active', cursor: '7-0' }));
      t.notOk(await B.webhooks.saveProgress(sid, w.id, { state: 'failing', cursor: '2-0' }), 'fenced');
      t.same((await B.webhooks.get(sid, w.id))?.progress, { state: 'active', cursor: '7-0' });
    });

    t.test('removal: gone for every node, which is told', async (t) => {
      const sid = newSid();
      const w = webhook(sid);
      await A.webhooks.add(w, 3, 60_000);
      const told: string[] = [];
      const unsubscribe = await A.webhooks.onRemoved((s, id) => s === sid && told.push(id));
      t.ok(await B.webhooks.remove(sid, w.id));
      t.notOk(await B.webhooks.remove(sid, w.id), 'once');
      t.equal(await A.webhooks.get(sid, w.id), undefined);
      t.equal(await A.webhooks.hold(sid, w.id, 300), 'gone', 'its lease went with it');
      t.notOk((await A.webhooks.all()).some((e) => e.id === w.id));
      for (let i = 0; i < 40 && told.length === 0; i++) await sleep(25);
      t.same(told, [w.id], 'the delivering node learns of it');
      unsubscribe();
    });

    t.test('restore writes back a webhook with its lease, never over a stored one', async (t) => {
      const sid = newSid();
      const w = webhook(sid, { progress: { state: 'active', cursor: '3-0' } });
      await A.webhooks.restore(w, 60_000);
      t.same(await B.webhooks.get(sid, w.id), w);
      t.equal(await B.webhooks.hold(sid, w.id, 300), 'taken', 'held by the restoring node');
      await B.webhooks.restore({ ...w, progress: { state: 'failing', cursor: '1-0' } }, 60_000);
      t.same((await A.webhooks.get(sid, w.id))?.progress, w.progress, 'left as it was');
      t.ok(await A.webhooks.trusted());
    });
  });
}

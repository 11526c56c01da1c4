// The ownership contract: leases (claim, release, lapse, renewal), heartbeats, and what a renewal
// round reports (fencing: lost; records gone: missing). CONTRACT_CONFIG sets the lease.
import type { Test } from 'tap';
import type { SessionRecord } from '../../src/state/session-store.js';
import { type Backend, CONTRACT_CONFIG, newSid, sleep } from './backend.js';

const LEASE = CONTRACT_CONFIG.leaseMs;

const online = (sid: string): SessionRecord => ({
  sid,
  tokenHash: `tok-${sid}`,
  jid: { user: 'alice', domain: 'example.org' },
  state: 'online',
  createdAt: Date.now(),
  lastActive: Date.now(),
});

export function ownershipContract(t: Test, backend: Backend): void {
  t.test(`${backend.name}: ownership`, async (t) => {
    const { node } = await backend.fresh();
    const A = await node('node-a');
    const B = await node('node-b');
    const [a, b] = [A.ownership, B.ownership];
    t.teardown(() => Promise.all([a.stop(), b.stop()]));

    t.test('claim, release: only the holder gives a lease up', async (t) => {
      const sid = newSid();
      await A.store.create(online(sid));
      t.equal(a.nodeId, 'node-a');
      await a.claim(sid);
      t.equal(await b.ownerOf(sid), 'node-a');
      await b.release(sid);
      t.equal(await b.ownerOf(sid), 'node-a', 'another node’s release leaves it alone');
      await a.release(sid);
      t.equal(await b.ownerOf(sid), undefined);
    });

    t.test('a lease that is not renewed lapses', async (t) => {
      const sid = newSid();
      await A.store.create(online(sid));
      await a.claim(sid);
      await sleep(LEASE + 150);
      t.equal(await b.ownerOf(sid), undefined);
    });

    t.test('a running node renews its leases and heartbeat; stopped, its heartbeat ends', async (t) => {
      const C = await node('node-c');
      const sid = newSid();
      await C.store.create(online(sid));
      await C.ownership.claim(sid);
      const lost: string[] = [];
      C.ownership.start(() => [sid], { lost: (s) => lost.push(s), missing: async () => undefined });
      await sleep(LEASE * 3);
      t.equal(await b.ownerOf(sid), 'node-c', 'renewed past three lease lifetimes');
      t.equal(await b.isAlive('node-c'), true);
      t.equal(await b.isAlive('node-nobody'), false);
      t.same(lost, []);
      await C.ownership.stop();
      t.equal(await b.isAlive('node-c'), false, 'the heartbeat ends with stop()');
      await sleep(LEASE + 150);
      t.equal(await b.ownerOf(sid), undefined, 'and its leases lapse');
    });

    t.test('fencing: a session declared dead elsewhere while its lease lapsed is lost to its old owner', async (t) => {
      const D = await node('node-d');
      const sid = newSid();
      await D.store.create(online(sid));
      await D.ownership.claim(sid);
      await sleep(LEASE + 150);
      t.equal(await b.ownerOf(sid), undefined);
      t.equal(await B.store.markGone(sid, 'owner stopped', Date.now(), 60000), true);
      const lost: string[] = [];
      D.ownership.start(() => [sid], { lost: (s) => lost.push(s), missing: async () => undefined });
      const deadline = Date.now() + 2000;
      while (lost.length === 0 && Date.now() < deadline) await sleep(20);
      await D.ownership.stop();
      t.same([...new Set(lost)], [sid]);
    });

    t.test('a lease held by another node is lost too; a lapsed lease of a live session is taken back', async (t) => {
      const E = await node('node-e');
      const taken = newSid();
      const lapsed = newSid();
      for (const sid of [taken, lapsed]) await E.store.create(online(sid));
      await b.claim(taken);
      const lost: string[] = [];
      E.ownership.start(() => [taken, lapsed], { lost: (s) => lost.push(s), missing: async () => undefined });
      await sleep(LEASE);
      await E.ownership.stop();
      t.same([...new Set(lost)], [taken], 'every round says so, for that session only');
      t.equal(await b.ownerOf(lapsed), 'node-e', 'renewal claims a lapsed lease of an online session');
    });

    t.test('missing: an owned session without records is reported, to be written again', async (t) => {
      const F = await node('node-f');
      const sid = newSid();
      const missing: string[] = [];
      F.ownership.start(() => [sid], {
        lost: () => undefined,
        missing: async (s) => void missing.push(s),
      });
      const deadline = Date.now() + 2000;
      while (missing.length === 0 && Date.now() < deadline) await sleep(20);
      await F.ownership.stop();
      t.ok(missing.includes(sid));
    });
  });
}

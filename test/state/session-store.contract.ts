// The session store contract: what callers (login, authentication, the sweeper, tickets) rely on.
import type { Test } from 'tap';
import type { SessionRecord } from '../../src/state/session-store.js';
import { type Backend, newSid, sleep } from './backend.js';

const record = (sid: string, at = Date.now()): SessionRecord => ({
  sid,
  tokenHash: `tok-${sid}`,
  jid: { user: 'alice', domain: 'example.org', resource: 'web' },
  state: 'online',
  createdAt: at,
  lastActive: at,
});

export function sessionStoreContract(t: Test, backend: Backend): void {
  t.test(`${backend.name}: session store`, async (t) => {
    const { node } = await backend.fresh();
    const a = (await node('a')).store;
    const b = (await node('b')).store;

    t.test('a record is found by sid and by token hash, on every node', async (t) => {
      const r = record(newSid());
      await a.create(r);
      t.same(await b.get(r.sid), r);
      t.same(await b.byTokenHash(r.tokenHash), r);
      t.equal(await a.byTokenHash('no-such-token'), undefined, 'an unknown token is undefined');
      t.equal(await a.get(newSid()), undefined, 'an unknown sid is undefined');
    });

    t.test('touch updates lastActive and never brings a deleted session back', async (t) => {
      const r = record(newSid(), 1000);
      await a.create(r);
      await b.touch(r.sid, 5000);
      t.equal((await a.get(r.sid))?.lastActive, 5000);
      await a.delete(r.sid);
      await b.touch(r.sid, 6000);
      t.equal(await a.get(r.sid), undefined, 'still deleted');
      t.equal(await a.byTokenHash(r.tokenHash), undefined, 'token revoked');
    });

    t.test('markGone: exactly one of several callers makes the transition; the record answers until retention ends', async (t) => {
      const r = record(newSid());
      await a.create(r);
      const results = await Promise.all([a, b, a, b].map((s) => s.markGone(r.sid, 'owner died', 4242, 300)));
      t.same(results.filter(Boolean).length, 1, `one true among ${JSON.stringify(results)}`);
      t.match(
        await b.byTokenHash(r.tokenHash),
        { sid: r.sid, state: 'gone', goneAt: 4242, goneReason: 'owner died' },
        'the token finds the gone record',
      );
      t.equal(await a.markGone(r.sid, 'again', 5000, 300), false, 'already gone');
      t.equal(await a.markGone(newSid(), 'x', 5000, 300), false, 'unknown');
      await sleep(500);
      t.equal(await a.get(r.sid), undefined, 'retention over: the record is gone');
      t.equal(await b.byTokenHash(r.tokenHash), undefined, 'and its token');
    });

    t.test('tickets: valid until they expire, for their session only; delete revokes them', async (t) => {
      const r = record(newSid());
      await a.create(r);
      await a.putTicket('tk1', r.sid, Date.now() + 250);
      await a.putTicket('tk2', r.sid, Date.now() + 60000);
      t.equal(await b.ticket('tk1', Date.now()), r.sid);
      t.equal(await b.ticket('tk-unknown', Date.now()), undefined);
      await sleep(400);
      t.equal(await b.ticket('tk1', Date.now()), undefined, 'expired');
      t.equal(await b.ticket('tk2', Date.now()), r.sid, 'the other one still valid');
      await b.delete(r.sid);
      t.equal(await a.ticket('tk2', Date.now()), undefined, 'revoked with the session');
    });

    t.test('a kept ticket lives as long as its session, not longer', async (t) => {
      const r = record(newSid());
      await a.create(r);
      await a.putTicket('kept', r.sid, Date.now() + 200);
      await b.keepTicket('kept', r.sid);
      await sleep(350);
      t.equal(await a.ticket('kept', Date.now()), r.sid, 'past its lifetime, still valid');
      await a.markGone(r.sid, 'dropped', Date.now(), 300);
      t.equal(await b.ticket('kept', Date.now()), r.sid, 'while the gone session is retained');
      await sleep(500);
      t.equal(await b.ticket('kept', Date.now()), undefined, 'expired with the record');

      const s = record(newSid());
      await a.create(s);
      await a.putTicket('late', s.sid, Date.now() + 200);
      await a.delete(s.sid);
      await b.keepTicket('late', s.sid);
      await sleep(300);
      t.equal(await a.ticket('late', Date.now()), undefined, 'keeping a ticket of a deleted session does not revive it');
    });

    t.test('the stored record is a copy: changing the caller’s object changes nothing', async (t) => {
      const r = record(newSid());
      await a.create(r);
      r.lastActive = 1;
      t.not((await b.get(r.sid))?.lastActive, 1);
    });
  });
}

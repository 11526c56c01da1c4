// The authentication cache (src/session/sessions.ts): a known token skips the hash and the token
// index, yet every request still reads the session's record; raw tokens go with their session.
import t from 'tap';
import { TOKEN_CACHE_TTL_MS } from '../../src/session/sessions.js';
import type { SessionStore } from '../../src/state/session-store.js';
import { rejection, testNode } from './fake-pool.js';

const alice = { jid: 'alice@example.org/web', password: 'secret' };

function counting() {
  const counts = { byTokenHash: 0, get: 0 };
  let clock = 1_000_000;
  const node = testNode({
    now: () => clock,
    wrapStore: (store: SessionStore) =>
      new Proxy(store, {
        get: (target, key, receiver) => {
          const value: unknown = Reflect.get(target, key, receiver);
          if (typeof value !== 'function') return value;
          // Every method of the store, called on the store itself, counted for the two lookups.
          const method = value as (...args: unknown[]) => unknown;
          return (...args: unknown[]) => {
            if (key === 'byTokenHash' || key === 'get') counts[key]++;
            return method.apply(target, args);
          };
        },
      }),
  });
  return { ...node, counts, advance: (ms: number) => (clock += ms) };
}

t.test('a known token: no index lookup, one record read; after the TTL it is looked up again', async (t) => {
  const { manager, counts, advance } = counting();
  t.teardown(() => manager.shutdown(0));
  const { token } = await manager.login(alice, false);
  await manager.authenticate(token);
  t.same(counts, { byTokenHash: 1, get: 0 }, 'first use: the index (which reads the record itself)');
  await manager.authenticate(token);
  await manager.authenticate(token);
  t.same(counts, { byTokenHash: 1, get: 2 }, 'then the record only');
  advance(TOKEN_CACHE_TTL_MS);
  await manager.authenticate(token);
  t.same(counts, { byTokenHash: 2, get: 2 }, 'past the TTL: hashed and looked up again');
  t.equal(manager.cachedTokens, 1);
});

t.test('logout and a dropped connection take the raw token out of memory; the token is refused', async (t) => {
  const { manager } = counting();
  t.teardown(() => manager.shutdown(0));
  const first = await manager.login(alice, false);
  const second = await manager.login({ ...alice, jid: 'alice@example.org/two' }, false);
  await manager.authenticate(first.token);
  const record = await manager.authenticate(second.token);
  t.equal(manager.cachedTokens, 2);
  await manager.logout(await manager.authenticate(first.token));
  t.equal(manager.cachedTokens, 1, 'logout');
  t.match(await rejection(manager.authenticate(first.token)), { status: 401 });
  await manager.onClosed(record.sid, 'network');
  t.equal(manager.cachedTokens, 0, 'connection lost');
  t.match(await manager.authenticate(second.token), { state: 'gone' }, 'gone (410 where it matters), as without the cache');
});

t.test('a session revoked behind the cache (another node) is refused at its next use', async (t) => {
  const { manager, state } = counting();
  t.teardown(() => manager.shutdown(0));
  const { token } = await manager.login(alice, false);
  const record = await manager.authenticate(token);
  await state.store.delete(record.sid);
  t.match(await rejection(manager.authenticate(token)), { status: 401 });
  t.equal(manager.cachedTokens, 0);
});

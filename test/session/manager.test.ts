// The session manager with a fake pool (no XMPP): login bookkeeping, idempotency, the idle sweep,
// relaying between two managers over one memory backend, dead owners, fencing, retention.
import t from 'tap';
import { errors, GatewayError } from '../../src/errors.js';
import { hashSecret } from '../../src/session/tokens.js';
import { MemoryBackend } from '../../src/state/index.js';
import { openAs, rejection, sleep, testConfig, testNode, withFailures } from './fake-pool.js';

const alice = { jid: 'alice@example.org/web', password: 'secret' };
const backendFor = (config = testConfig()) =>
  new MemoryBackend({ maxEvents: config.eventBufferSize, maxAgeMs: config.eventBufferAgeS * 1000 });

t.test('login: a record under the token’s hash, the lease, the online event; the token itself is kept nowhere', async (t) => {
  const { manager, pool, state } = testNode();
  t.teardown(() => manager.shutdown(0));
  const result = await manager.login(alice, false);
  t.match(result, { status: 'online', jid: { user: 'alice', domain: 'example.org', resource: 'web' } });
  const [sid, login] = [...pool.open_][0]!;
  t.match(login, { host: 'example.org', port: 5222, domain: 'example.org', username: 'alice', password: 'secret', resource: 'web' });
  const record = await state.store.byTokenHash(hashSecret(result.token));
  t.match(record, { sid, state: 'online' });
  t.notOk(JSON.stringify(record).includes(result.token), 'the stored record holds no token');
  t.equal(await state.ownership.ownerOf(sid), 'local');
  const events = (await state.log.read(sid, undefined)).events;
  t.same(
    events.map((e) => [e.name, JSON.parse(e.data)]),
    [['xmpp.connection', { status: 'online', jid: result.jid }]],
  );
  t.equal(manager.ownedCount, 1);
  t.same((await manager.authenticate(result.token)).sid, sid);
  t.match(await rejection(manager.authenticate('not-a-token')), { status: 401, body: { condition: 'session-invalid' } });
});

t.test('login failures leave nothing behind', async (t) => {
  const { manager, pool } = testNode({ config: testConfig({ maxSessions: 1 }) });
  t.teardown(() => manager.shutdown(0));
  pool.onOpen = async () => {
    throw errors.loginFail();
  };
  t.match(await rejection(manager.login(alice, false)), { status: 401, body: { condition: 'login-fail' } });
  t.equal(manager.ownedCount, 0);
  t.match(await rejection(manager.login({ ...alice, host: 'evil.example' }, false)), {
    status: 403,
    body: { condition: 'host-not-allowed' },
  });
  pool.onOpen = openAs;
  await manager.login(alice, false);
  t.match(await rejection(manager.login(alice, false)), { status: 503 }, 'MAX_SESSIONS');
});

t.test('records that cannot be written: the XMPP connection just opened is closed again', async (t) => {
  const { manager, pool } = testNode({
    wrapStore: (store) =>
      withFailures(store, {
        create: async () => {
          throw errors.unavailable('Shared state (Redis) is unreachable; retry shortly');
        },
      }),
  });
  t.teardown(() => manager.shutdown(0));
  t.match(await rejection(manager.login(alice, false)), { status: 503 });
  t.equal(pool.closed.length, 1, 'closed');
  t.equal(pool.open_.size, 0);
  t.equal(manager.ownedCount, 0);
});

t.test('logout: token revoked, connection closed, final offline event', async (t) => {
  const { manager, pool, state } = testNode();
  t.teardown(() => manager.shutdown(0));
  const { token } = await manager.login(alice, false);
  const record = await manager.authenticate(token);
  await manager.logout(record);
  t.same(pool.closed, [record.sid]);
  t.match(await rejection(manager.authenticate(token)), { status: 401 });
  const last = (await state.log.read(record.sid, undefined)).events.at(-1);
  t.match(last, { name: 'xmpp.connection', data: '{"status":"offline"}', final: true });
});

t.test('a session that ends leaves no client-state entry behind (CSI off: no check would clear it)', async (t) => {
  const { manager } = testNode({ config: testConfig({ csiIdleMs: 0 }) });
  t.teardown(() => manager.shutdown(0));
  const record = await manager.authenticate((await manager.login(alice, false)).token);
  await manager.action(record, 'csi.inactive', {});
  t.equal(manager.clientState(record.sid), 'active', 'the manual indication keeps an entry while the session lives');
  await manager.logout(record);
  t.equal(manager.clientState(record.sid), undefined, 'gone with the session');
});

t.test('Idempotency-Key: one send per key and request; another body under the same key is 422', async (t) => {
  const { manager, pool } = testNode();
  t.teardown(() => manager.shutdown(0));
  let n = 0;
  pool.onCall = async () => ({ id: `m${++n}` });
  const record = await manager.authenticate((await manager.login(alice, false)).token);
  const body = { to: 'bob@example.org', content: 'hi' };
  const first = await manager.action(record, 'chat.message', body, 'k1');
  const again = await manager.action(record, 'chat.message', { content: 'hi', to: 'bob@example.org' }, 'k1');
  t.same(first, { data: { id: 'm1' }, replayed: false });
  t.same(again, { data: { id: 'm1' }, replayed: true }, 'the same request (key order aside): the first answer, marked as a replay');
  t.equal(pool.calls.length, 1, 'sent once');
  t.match(await rejection(manager.action(record, 'chat.message', { ...body, content: 'other' }, 'k1')), {
    status: 422,
    body: { type: 'modify', condition: 'client-error' },
  });
  t.match(await rejection(manager.action(record, 'presence', {}, 'k1')), { status: 422 }, 'another action under the key');
  t.equal(pool.calls.length, 1, 'nothing sent for a refused key');
  pool.onCall = async () => {
    throw errors.timeout();
  };
  t.match(await rejection(manager.action(record, 'chat.message', body, 'k2')), { status: 504 });
  pool.onCall = async () => ({ id: 'm-retry' });
  t.same(
    await manager.action(record, 'chat.message', body, 'k2'),
    { data: { id: 'm-retry' }, replayed: false },
    'a failed attempt may be retried',
  );
  await manager.action(record, 'chat.message', body);
  await manager.action(record, 'chat.message', body);
  t.equal(pool.calls.length, 5, 'without a key every request is sent');
});

t.test('idle sweep: a session without requests or streams is logged out; one with a stream is not', async (t) => {
  let now = 1_000_000;
  const { manager, pool } = testNode({ config: testConfig({ idleTimeoutS: 10 }), now: () => now });
  t.teardown(() => manager.shutdown(0));
  const idle = await manager.authenticate((await manager.login({ ...alice, jid: 'alice@example.org/idle' }, false)).token);
  const watched = await manager.authenticate((await manager.login({ ...alice, jid: 'alice@example.org/watched' }, false)).token);
  manager.streamOpened(watched.sid);
  now += 5_000;
  await manager.sweep();
  t.same(pool.closed, [], 'not idle yet');
  now += 6_000;
  await manager.sweep();
  t.same(pool.closed, [idle.sid], 'idle: logged out');
  t.equal(manager.ownedCount, 1);
  manager.streamClosed(watched.sid);
  now += 11_000;
  await manager.sweep();
  t.same(pool.closed, [idle.sid, watched.sid], 'once its stream closed, it idles too');
});

t.test('retention: the log of an ended session is dropped once its retention is over', async (t) => {
  let now = 1_000_000;
  const { manager, state } = testNode({ config: testConfig({ eventBufferAgeS: 30 }), now: () => now });
  t.teardown(() => manager.shutdown(0));
  const record = await manager.authenticate((await manager.login(alice, false)).token);
  await manager.logout(record);
  now += 10_000;
  await manager.sweep();
  t.ok((await state.log.read(record.sid, undefined)).events.length > 0, 'readable during retention');
  now += 25_000;
  await manager.sweep();
  t.same((await state.log.read(record.sid, undefined)).events, [], 'dropped after it');
});

t.test('a disconnection while shared state is away is recorded when it returns', async (t) => {
  let down = true;
  const { manager, state } = testNode({
    wrapStore: (store) =>
      withFailures(store, {
        markGone: async (...args) => {
          if (down) throw errors.unavailable('Shared state (Redis) is unreachable; retry shortly');
          return store.markGone(...args);
        },
      }),
  });
  t.teardown(() => manager.shutdown(0));
  const record = await manager.authenticate((await manager.login(alice, false)).token);
  await manager.onClosed(record.sid, 'XMPP client disconnected');
  t.equal((await state.store.get(record.sid))?.state, 'online', 'not recorded yet');
  down = false;
  await manager.sweep();
  t.match(await state.store.get(record.sid), { state: 'gone', goneReason: 'XMPP client disconnected' });
  t.match((await state.log.read(record.sid, undefined)).events.at(-1), { name: 'xmpp.error', final: true });
});

t.test('a logout while shared state is away answers 503 and changes nothing; a retry works', async (t) => {
  let down = true;
  const { manager, pool } = testNode({
    wrapStore: (store) =>
      withFailures(store, {
        delete: async (sid) => {
          if (down) throw errors.unavailable('Shared state (Redis) is unreachable; retry shortly');
          return store.delete(sid);
        },
      }),
  });
  t.teardown(() => manager.shutdown(0));
  const { token } = await manager.login(alice, false);
  const record = await manager.authenticate(token);
  t.match(await rejection(manager.logout(record)), { status: 503 });
  t.same(pool.closed, [], 'the connection is still up');
  t.same((await manager.action(record, 'roster.get', {})).data, { did: 'roster.get' }, 'and usable');
  down = false;
  await manager.logout(record);
  t.same(pool.closed, [record.sid]);
});

t.test('two nodes: actions, errors, replays and logout relayed to the owner', async (t) => {
  const config = testConfig();
  const backend = backendFor(config);
  const A = testNode({ config, backend, nodeId: 'a' });
  const B = testNode({ config, backend, nodeId: 'b' });
  t.teardown(() => Promise.all([A.manager.shutdown(0), B.manager.shutdown(0)]));
  const { token } = await A.manager.login(alice, false);
  const record = await B.manager.authenticate(token);
  A.pool.onCall = async (_sid, action, body) => ({ action, body, on: 'a' });
  t.same(await B.manager.action(record, 'roster.get', { x: 1 }), {
    data: { action: 'roster.get', body: { x: 1 }, on: 'a' },
    replayed: false,
  });
  t.equal(B.pool.calls.length, 0, 'nothing ran on B');
  t.same(await B.manager.action(record, 'roster.get', { x: 1 }, 'k'), {
    data: { action: 'roster.get', body: { x: 1 }, on: 'a' },
    replayed: false,
  });
  t.same((await B.manager.action(record, 'roster.get', { x: 1 }, 'k')).replayed, true, 'a replay through another node says so');
  t.match(await rejection(B.manager.action(record, 'roster.get', { x: 2 }, 'k')), { status: 422 });
  A.pool.onCall = async () => {
    throw new GatewayError(404, { type: 'cancel', condition: 'item-not-found', description: 'no such item' });
  };
  const viaB = await rejection(B.manager.action(record, 'roster.get', {}));
  t.ok(viaB instanceof GatewayError);
  t.match(viaB, { status: 404, body: { type: 'cancel', condition: 'item-not-found', description: 'no such item' } });
  await B.manager.logout(record);
  t.same(A.pool.closed, [record.sid], 'the owner closed the connection');
  t.equal(A.manager.ownedCount, 0);
  t.match(await rejection(A.manager.authenticate(token)), { status: 401 });
});

t.test('a dead owner: 503 at once while its lease runs, then 410; never a hang', async (t) => {
  const config = testConfig({ leaseMs: 400, relayTimeoutMs: 300 });
  const backend = backendFor(config);
  const A = testNode({ config, backend, nodeId: 'a' });
  const B = testNode({ config, backend, nodeId: 'b' });
  t.teardown(() => B.manager.shutdown(0));
  const record = await B.manager.authenticate((await A.manager.login(alice, false)).token);
  // A dies: it stops serving and renewing, and ends nothing.
  await A.state.bus.stop();
  await A.state.ownership.stop();
  const started = Date.now();
  const early = await rejection(B.manager.action(record, 'roster.get', {}));
  t.match(early, { status: 503, body: { type: 'wait', condition: 'service-unavailable' } });
  t.ok(Date.now() - started < 200, 'at once');
  await sleep(500);
  const late = await rejection(B.manager.action(record, 'roster.get', {}));
  t.match(late, { status: 410, body: { type: 'connection', condition: 'disconnected' } }, 'the lease lapsed: the session is dead');
  t.match(await backend.store.get(record.sid), { state: 'gone' });
  t.match((await backend.log.read(record.sid, undefined)).events.at(-1), { name: 'xmpp.error', final: true });
});

t.test('a relay in flight fails as soon as the owner’s heartbeat lapses', async (t) => {
  const config = testConfig({ leaseMs: 600, iqTimeoutMs: 20000 });
  const backend = backendFor(config);
  const A = testNode({ config, backend, nodeId: 'a' });
  const B = testNode({ config, backend, nodeId: 'b' });
  t.teardown(() => B.manager.shutdown(0));
  const record = await B.manager.authenticate((await A.manager.login(alice, false)).token);
  A.pool.onCall = () => new Promise(() => undefined); // the owner takes the request, then hangs
  const started = Date.now();
  const pending = rejection(B.manager.action(record, 'roster.get', {}));
  await sleep(100);
  await A.state.ownership.stop(); // its heartbeat ends (a killed process's would lapse)
  t.match(await pending, { status: 503 });
  t.ok(Date.now() - started < 1500, `failed after ${Date.now() - started} ms, not the 25 s request timeout`);
});

t.test('fencing: an owner whose session was declared dead elsewhere closes its connection', async (t) => {
  const config = testConfig();
  const backend = backendFor(config);
  const A = testNode({ config, backend, nodeId: 'a' });
  t.teardown(() => A.manager.shutdown(0));
  const record = await A.manager.authenticate((await A.manager.login(alice, false)).token);
  // As after a partition: the lease lapsed and another node declared the session dead.
  backend.leases.owners.delete(record.sid);
  await backend.store.markGone(record.sid, 'The node holding this session stopped', Date.now(), 60000);
  const deadline = Date.now() + 2000;
  while (A.pool.closed.length === 0 && Date.now() < deadline) await sleep(20);
  t.same(A.pool.closed, [record.sid], 'closed on the next renewal');
  t.equal(A.manager.ownedCount, 0);
});

t.test('a Redis that lost the records: the owner writes them back, lease first', async (t) => {
  const config = testConfig();
  const backend = backendFor(config);
  const A = testNode({ config, backend, nodeId: 'a' });
  t.teardown(() => A.manager.shutdown(0));
  const { token } = await A.manager.login(alice, false);
  const record = await A.manager.authenticate(token);
  await backend.store.delete(record.sid);
  backend.leases.owners.delete(record.sid);
  const deadline = Date.now() + 2000;
  while (!(await backend.store.get(record.sid)) && Date.now() < deadline) await sleep(20);
  t.match(await A.manager.authenticate(token), { sid: record.sid, state: 'online' });
  t.equal(await A.state.ownership.ownerOf(record.sid), 'a');
  t.same(A.pool.closed, []);
});

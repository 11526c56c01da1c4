// Multi-node continuity (docs/api.md "Continuity"): a session's takeover state in Redis (sealed with
// SESSION_KEY, nothing secret in clear), and a SIGKILLed owner's session resumed by a survivor
// (XEP-0198 §5) with no event lost or duplicated. Real redis-server, Prosody (mod_smacks), two
// gateway processes, a peer.
import t from 'tap';
import { createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { xml } from '@xmpp/client';
import { Redis } from 'ioredis';
import { openTakeover } from '../src/workers/takeover.js';
import { connectPeer } from './helpers/peer.js';
import { startNode, type NodeProcess } from './helpers/node-process.js';
import { startProsody, type TestUser } from './helpers/prosody.js';
import { startRedis } from './helpers/redis.js';
import { SseClient } from './helpers/sse.js';

const LEASE_MS = 1500;
const SESSION_KEY = randomBytes(32).toString('base64');
const redisServer = await startRedis();
// Prosody asks for acks (XEP-0198 <r/>) only past 1,000 unacknowledged stanzas: the h last told to it
// (in the session record) stays the login's, and a survivor must resume after what the log holds
// (each event carries its h) or the server sends every stanza since the login again.
const prosody = await startProsody({ users: 2, options: { smacks_max_unacked_stanzas: 1000 } });
const [alice, bob] = prosody.users as [TestUser, TestUser];
const MUC = prosody.mucDomain;
const env = {
  REDIS_URL: redisServer.url,
  SESSION_KEY,
  LEASE_MS: String(LEASE_MS),
  XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}`,
  IDLE_TIMEOUT_S: '600',
  LOG_LEVEL: 'debug',
};
const [A, B] = (await Promise.all([startNode('tk-a', env), startNode('tk-b', env)])) as [NodeProcess, NodeProcess];
const redis = new Redis(redisServer.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
const peer = await connectPeer(prosody, bob);
t.teardown(async () => {
  await peer.stop();
  redis.disconnect();
  await Promise.all([A.stop(), B.stop()]);
  await prosody.stop();
  await redisServer.stop();
});

async function post(
  node: NodeProcess,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: { token?: string } | undefined }> {
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  // The gateway answers JSON objects; the tests read the login's token only.
  return { status: res.status, body: text ? (JSON.parse(text) as { token?: string }) : undefined };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const login = await post(A, '/v1/login', { jid: `${alice.jid}/tk`, password: alice.password, host: prosody.host, port: prosody.port });
const token = login.body?.token ?? '';
const fullJid = `${alice.jid}/tk`;
// The session's id is not public: its takeover key is the one gw:{…}:tk in this Redis.
const tkKey = await until('the takeover state', async () => (await redis.keys('gw:{*}:tk'))[0]);
const sid = /^gw:\{(.+)\}:tk$/.exec(tkKey)![1]!;

t.test('the takeover state is sealed: Redis, logs and /metrics hold no password or SCRAM key in clear', async (t) => {
  t.equal(login.status, 201);
  // Something to track: a room joined and a presence sent.
  t.equal((await post(A, '/v1/presence', { status: 'here' }, token)).status, 200);
  const joined = await post(A, '/v1/muc/join', { room: `tk@${MUC}`, nick: 'al' }, token);
  t.equal(joined.status, 200, 'a room joined');
  const state = await until('a state with the presence and the room', async () => {
    const opened = openTakeover(SESSION_KEY, sid, (await redis.get(tkKey))!);
    return opened.state.presence?.includes('here') && opened.state.rooms.length > 0 ? opened : undefined;
  });
  t.same(state.state.rooms, [{ room: `tk@${MUC}`, nick: 'al' }], 'the room and the nick');
  t.ok(state.state.sm.id, 'the XEP-0198 stream id');
  t.equal(state.state.jid, fullJid);
  t.equal(state.state.login.host, prosody.host);
  t.notOk('password' in state.state.login, 'no password in it');
  const blob = (await redis.get(tkKey))!;
  t.throws(() => openTakeover(randomBytes(32).toString('base64'), sid, blob), 'another key opens nothing');
  t.throws(() => openTakeover(SESSION_KEY, 'another-sid', blob), 'nor another session id (bound to it)');
  // The keys as a SCRAM client derives them from the password (RFC 5802 §3): the blob holds them.
  const { algorithm, salt, iterations } = state.keys;
  const bytes = { sha1: 20, sha256: 32, sha512: 64 }[algorithm];
  const salted = pbkdf2Sync(alice.password, Buffer.from(salt, 'base64'), iterations, bytes, algorithm);
  const clientKey = createHmac(algorithm, salted).update('Client Key').digest();
  const serverKey = createHmac(algorithm, salted).update('Server Key').digest();
  t.ok(clientKey.equals(state.keys.clientKey) && serverKey.equals(state.keys.serverKey), 'the sealed keys are the real ones');
  const secrets = [clientKey, serverKey].flatMap((k) => [k.toString('hex'), k.toString('base64'), k.toString('base64url')]);
  secrets.push(alice.password);

  let dump = '';
  const raw: Buffer[] = [];
  for (const key of await redis.keys('*')) {
    const d = await redis.dumpBuffer(key);
    if (d) raw.push(d);
    const type = await redis.type(key);
    if (type === 'string') dump += await redis.get(key);
    else if (type === 'hash') dump += JSON.stringify(await redis.hgetall(key));
    else if (type === 'set') dump += (await redis.smembers(key)).join(' ');
    else if (type === 'stream') dump += JSON.stringify(await redis.xrange(key, '-', '+'));
    dump += `\n${key}\n`;
  }
  t.ok(dump.includes(sid), 'the scan read the session');
  const metrics = (await fetch(`${A.url}/metrics`).then((r) => r.text())) + (await fetch(`${B.url}/metrics`).then((r) => r.text()));
  const logs = A.output() + B.output();
  for (const s of secrets) {
    t.notOk(dump.includes(s), 'not in Redis (text)');
    t.notOk(logs.includes(s), 'not in the logs');
    t.notOk(metrics.includes(s), 'not in /metrics');
  }
  for (const k of [clientKey, serverKey, Buffer.from(alice.password)]) {
    t.notOk(
      raw.some((d) => d.includes(k)),
      'not in any DUMP',
    );
  }
});

t.test('SIGKILL of the owner: a survivor resumes the session; nothing lost, duplicated or reordered', async (t) => {
  const stream = await SseClient.open(B.url, { token });
  const N = 60;
  let killedAt = 0;
  const sending = (async () => {
    for (let i = 1; i <= N; i++) {
      await peer.send(xml('message', { to: fullJid, type: 'chat' }, xml('body', {}, `n${i}`)));
      if (i === 20) {
        killedAt = Date.now();
        A.kill('SIGKILL');
      }
      await sleep(40);
    }
  })();
  await sending;
  const resumed = await stream.next((e) => e.event === 'xmpp.connection' && e.data.resumed === true, 20000);
  const tookMs = Date.now() - killedAt;
  const seenAt = await until(
    'every message',
    async () => {
      const got = stream.events.filter((e) => e.event === 'xmpp.chat.message');
      return got.length >= N ? got : undefined;
    },
    20000,
  ).catch(() => stream.events.filter((e) => e.event === 'xmpp.chat.message'));
  await sleep(300); // a duplicate would follow the last one closely
  const nums = stream.events.filter((e) => e.event === 'xmpp.chat.message').map((e) => Number(String(e.data.content).slice(1)));
  const lost = [...Array(N).keys()].map((i) => i + 1).filter((n) => !nums.includes(n));
  const dup = nums.length - new Set(nums).size;
  const outOfOrder = nums.filter((n, i) => i > 0 && n < nums[i - 1]!).length;
  t.comment(
    `takeover: kill → online resumed ${tookMs} ms (LEASE_MS ${LEASE_MS}); lost ${lost.length} [${lost}], duplicated ${dup}, out of order ${outOfOrder}; ${seenAt.length} messages`,
  );
  t.same(lost, [], 'none lost');
  t.equal(dup, 0, 'none duplicated');
  t.equal(outOfOrder, 0, 'in order');
  t.ok(tookMs < LEASE_MS + 2000 + 1500, `resumed within LEASE_MS + 2 s (and scan slack): ${tookMs} ms`);
  const conn = stream.events.filter((e) => e.event === 'xmpp.connection').map((e) => e.data.status);
  t.ok(
    conn.indexOf('reconnecting') >= 0 && conn.indexOf('reconnecting') < stream.events.indexOf(resumed),
    'reconnecting, then online resumed',
  );
  t.notOk(
    stream.events.some((e) => e.event === 'xmpp.error'),
    'no xmpp.error',
  );
  t.notOk(stream.ended, 'the stream on the survivor stays open');
  // Actions through the survivor go out on the resumed stream.
  const sent = await post(B, '/v1/chat/message', { to: peer.jid, content: 'after the takeover' }, token);
  t.equal(sent.status, 200);
  const got = await peer.waitFor((s) => s.is('message') && s.getChildText('body') === 'after the takeover', 10000);
  t.ok(got, 'the peer got it');
  stream.close();
});

t.test('SIGTERM of the owner with another node alive: the session is handed over; contacts see no unavailable', async (t) => {
  const C = await startNode('tk-c', env);
  t.teardown(() => C.stop());
  // Directed presence (RFC 6121 §4.6): the server sends bob unavailable whenever the session really ends.
  t.equal((await post(B, '/v1/presence', { to: peer.jid }, token)).status, 200);
  await peer.waitFor((s) => s.is('presence') && String(s.attrs.from).startsWith(alice.jid) && s.attrs.type === undefined, 10000);
  const unavailable = () =>
    peer.received.filter((s) => s.is('presence') && String(s.attrs.from).startsWith(alice.jid) && s.attrs.type === 'unavailable');
  const stream = await SseClient.open(C.url, { token });
  const N = 40;
  let termAt = 0;
  for (let i = 1; i <= N; i++) {
    await peer.send(xml('message', { to: fullJid, type: 'chat' }, xml('body', {}, `d${i}`)));
    if (i === 10) {
      termAt = Date.now();
      B.kill('SIGTERM');
    }
    await sleep(40);
  }
  t.equal(await B.exited(), 0, 'the drained node exits cleanly');
  // The stream replays the log from its start: the resumption of the SIGKILL above comes first.
  await stream.next((e) => e.event === 'xmpp.connection' && e.data.resumed === true, 20000);
  await stream.next((e) => e.event === 'xmpp.connection' && e.data.resumed === true, 20000);
  const tookMs = Date.now() - termAt;
  const drained = () => stream.events.filter((e) => e.event === 'xmpp.chat.message' && String(e.data.content).startsWith('d'));
  await until('every message', async () => (drained().length >= N ? true : undefined), 20000).catch(() => undefined);
  await sleep(300);
  const nums = drained().map((e) => Number(String(e.data.content).slice(1)));
  const lost = [...Array(N).keys()].map((i) => i + 1).filter((n) => !nums.includes(n));
  const dup = nums.length - new Set(nums).size;
  t.comment(`handover: SIGTERM → online resumed ${tookMs} ms; lost ${lost.length} [${lost}], duplicated ${dup}`);
  t.same(lost, [], 'none lost');
  t.equal(dup, 0, 'none duplicated');
  t.notOk(
    stream.events.some((e) => e.event === 'xmpp.error' || (e.event === 'xmpp.connection' && e.data.status === 'offline')),
    'no end',
  );
  t.same(unavailable(), [], 'bob saw no unavailable presence');
  const sent = await post(C, '/v1/chat/message', { to: peer.jid, content: 'after the handover' }, token);
  t.equal(sent.status, 200, 'actions work on the new owner');
  await peer.waitFor((s) => s.is('message') && s.getChildText('body') === 'after the handover', 10000);

  // Logout: the sealed state goes with the session, and now bob does see alice leave (the check above can fail).
  t.ok((await post(C, '/v1/logout', {}, token)).status < 300);
  t.equal(await redis.exists(tkKey), 0, 'no sealed state left');
  await until('unavailable after logout', async () => (unavailable().length > 0 ? true : undefined), 10000);
  t.pass('unavailable presence after the logout');
  stream.close();
});

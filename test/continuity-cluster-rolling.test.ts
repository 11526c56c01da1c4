// Rolling restarts with SESSION_KEY (docs/api.md "Continuity"): a 2-node and a 3-node cluster with
// 100 sessions each. Every node in turn gets SIGTERM (its
// sessions are handed over) and a fresh one starts. All sessions stay alive, the messages sent to
// them meanwhile arrive exactly once, and their contact sees no unavailable presence.
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { xml } from '@xmpp/client';
import { connectPeer } from './helpers/peer.js';
import { startNode, type NodeProcess } from './helpers/node-process.js';
import { startProsody, type TestUser } from './helpers/prosody.js';
import { startRedis } from './helpers/redis.js';
import { SseClient } from './helpers/sse.js';

const redisServer = await startRedis();
const prosody = await startProsody({ users: 2 });
const [alice, bob] = prosody.users as [TestUser, TestUser];
const env = {
  REDIS_URL: redisServer.url,
  SESSION_KEY: randomBytes(32).toString('base64'),
  // Not shorter: on a loaded 2-core machine a renewal round of 200 sessions has come late by more than 1 s,
  // and a lapsed lease of a live session is a takeover of it (recovered, but its last events may come twice).
  LEASE_MS: '3000',
  XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}`,
  IDLE_TIMEOUT_S: '600',
  LOG_LEVEL: 'info',
};
const peer = await connectPeer(prosody, bob);
const everyNode: NodeProcess[] = [];
t.teardown(async () => {
  await peer.stop();
  await Promise.all(everyNode.map((n) => n.stop()));
  await prosody.stop();
  await redisServer.stop();
});

async function post(node: NodeProcess, path: string, body: unknown, token?: string): Promise<number> {
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

async function login(node: NodeProcess, resource: string): Promise<string> {
  const res = await fetch(`${node.url}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jid: `${alice.jid}/${resource}`, password: alice.password, host: prosody.host, port: prosody.port }),
  });
  // The login answers { token, … } (docs/api.md §2).
  const body = (await res.json()) as { token?: string };
  if (res.status !== 201 || !body.token) throw new Error(`login ${resource}: ${res.status}`);
  return body.token;
}

async function rollingRestart(t: Test, label: string, count: number, sessions: number): Promise<void> {
  const nodes = await Promise.all(Array.from({ length: count }, (_, k) => startNode(`${label}-${k + 1}`, env)));
  everyNode.push(...nodes);
  const resource = (i: number) => `${label}-r${i}`;
  const tokens: string[] = [];
  for (let i = 0; i < sessions; i += 10) {
    const batch = Math.min(10, sessions - i);
    tokens.push(...(await Promise.all(Array.from({ length: batch }, (_, j) => login(nodes[(i + j) % count]!, resource(i + j))))));
  }
  // Directed presence (RFC 6121 §4.6): the server sends bob unavailable for any of them that really ends.
  const presence = await Promise.all(tokens.map((token, i) => post(nodes[i % count]!, '/v1/presence', { to: peer.jid }, token)));
  t.same(
    presence.filter((s) => s !== 200),
    [],
    'every session sent bob its presence',
  );
  const unavailable = () =>
    peer.received.filter(
      (s) => s.is('presence') && s.attrs.type === 'unavailable' && String(s.attrs.from).startsWith(`${alice.jid}/${label}-`),
    );
  const rounds = 2 * count + 2;
  const round = (r: number) =>
    Promise.all(
      tokens.map((_, i) => peer.send(xml('message', { to: `${alice.jid}/${resource(i)}`, type: 'chat' }, xml('body', {}, `${i}:${r}`)))),
    );
  await round(0);
  const restarts: number[] = [];
  for (let k = 0; k < count; k++) {
    const old = nodes[k]!;
    const started = Date.now();
    old.kill('SIGTERM');
    await round(1 + k * 2); // while it drains
    t.equal(await old.exited(), 0, `${old.name} drained cleanly`);
    nodes[k] = await startNode(`${label}-${count + k + 1}`, env);
    everyNode.push(nodes[k]!);
    await round(2 + k * 2);
    restarts.push(Date.now() - started);
  }
  await round(rounds - 1);
  // Each session's log, replayed from its start through a node of the new generation.
  let lost = 0;
  let dup = 0;
  let ended = 0;
  let resumed = 0;
  let moves = 0;
  const deadline = Date.now() + 30000;
  const last = `:${rounds - 1}`;
  for (const [i, token] of tokens.entries()) {
    const want = Array.from({ length: rounds }, (_, r) => `${i}:${r}`);
    let got: string[] = [];
    let events: Array<{ event: string; data: { status?: string; resumed?: boolean; content?: string } }> = [];
    for (;;) {
      const s = await SseClient.open(nodes[i % count]!.url, { token });
      await s.next((e) => e.event === 'xmpp.chat.message' && e.data.content === `${i}${last}`, 3000).catch(() => undefined);
      s.close();
      events = s.events;
      got = events.filter((e) => e.event === 'xmpp.chat.message').map((e) => String(e.data.content));
      if (want.every((w) => got.includes(w)) || Date.now() > deadline) break;
      await sleep(200);
    }
    lost += want.filter((w) => !got.includes(w)).length;
    dup += got.length - new Set(got).size;
    if (events.some((e) => e.event === 'xmpp.error' || (e.event === 'xmpp.connection' && e.data.status === 'offline'))) ended++;
    const n = events.filter((e) => e.event === 'xmpp.connection' && e.data.resumed === true).length;
    moves += n;
    if (n >= 1) resumed++;
  }
  t.comment(
    `rolling restart of ${count} nodes, ${sessions} sessions: restarts ${restarts.join(', ')} ms; lost ${lost}, duplicated ${dup}, ended ${ended}`,
  );
  const logs = everyNode
    .filter((n) => n.name.startsWith(`${label}-`))
    .map((n) => n.output())
    .join('\n');
  t.comment(
    `lease lost: ${(logs.match(/lease lost/g) ?? []).length}; handed over: ${(logs.match(/session handed over/g) ?? []).length}; taken over: ${(logs.match(/session taken over/g) ?? []).length}`,
  );
  console.error(
    logs
      .split('\n')
      .filter((l) => /"level":[45]0/.test(l))
      .slice(0, 30)
      .join('\n'),
  );
  t.equal(lost, 0, 'no message lost');
  t.equal(dup, 0, 'none duplicated');
  t.equal(ended, 0, 'no session ended');
  t.equal(resumed, sessions, 'every session was resumed on another node');
  // Each move is one takeover logged by the node that took the session, and one resumed event on its
  // stream. A session handed to a node that is restarted later moves again: at most once per node.
  const takeovers = (logs.match(/session taken over/g) ?? []).length;
  t.ok(moves >= sessions && moves <= sessions * count, `${moves} moves: each session at least once, at most ${count} times`);
  t.equal(moves, takeovers, 'one resumed event per takeover');
  t.same(unavailable(), [], 'bob saw no unavailable presence');
  // Every session answers an action on the new nodes.
  const statuses = await Promise.all(tokens.map((token, i) => post(nodes[(i + 1) % count]!, '/v1/presence', { status: 'after' }, token)));
  t.same(
    statuses.filter((s) => s !== 200),
    [],
    'every session alive',
  );
  // Logging out ends them for real: bob sees them go (so the check above could fail).
  await Promise.all(tokens.map((token, i) => post(nodes[i % count]!, '/v1/logout', {}, token)));
  const until = Date.now() + 10000;
  while (unavailable().length < sessions && Date.now() < until) await sleep(100);
  t.equal(unavailable().length, sessions, 'bob saw each of them leave after the logout');
  await Promise.all(nodes.map((n) => n.stop()));
}

t.test('2 nodes, 100 sessions, each node restarted in turn: every session alive, nothing lost or duplicated', (t) =>
  rollingRestart(t, 'two', 2, 100),
);

t.test('3 nodes, 100 sessions, each node restarted in turn: every session alive, nothing lost or duplicated', (t) =>
  rollingRestart(t, 'three', 3, 100),
);

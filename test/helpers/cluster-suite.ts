// The multi-node suite: three real gateway processes sharing one Redis backend (a server or a
// Cluster), a real Prosody, a peer client. No stickiness: each step may land on any node.
import type { Test } from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from './prosody.js';
import { connectPeer } from './peer.js';
import { startNode, type NodeProcess } from './node-process.js';
import { SseClient } from './sse.js';
import { startComponent } from './component.js';

export interface RedisBackend {
  url: string;
  stop(): Promise<void>;
  /** Stops ('down') and starts again ('up', with no data, as after a crash); absent where not supported. */
  restart?(phase: 'down' | 'up'): Promise<void>;
}

export async function clusterSuite(t: Test, backend: RedisBackend): Promise<void> {
  const prosody = await startProsody({ users: 4 });
  const env = {
    REDIS_URL: backend.url,
    XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}`,
    LEASE_MS: '3000',
    IDLE_TIMEOUT_S: '600',
  };
  const [A, B, C] = (await Promise.all(['node-a', 'node-b', 'node-c'].map((n) => startNode(n, env)))) as [
    NodeProcess,
    NodeProcess,
    NodeProcess,
  ];
  const [aliceUser, bobUser, carolUser] = prosody.users as [
    (typeof prosody.users)[0],
    (typeof prosody.users)[0],
    (typeof prosody.users)[0],
  ];
  const bob = await connectPeer(prosody, bobUser);
  t.teardown(async () => {
    await bob.stop();
    await Promise.all([A, B, C].map((n) => n.stop()));
    await backend.stop();
    await prosody.stop();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  async function post(node: NodeProcess, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${node.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  async function login(node: NodeProcess, user: { jid: string; password: string }, resource: string): Promise<string> {
    const res = await post(node, '/v1/login', { jid: user.jid, password: user.password, host: prosody.host, port: prosody.port, resource });
    if (res.status !== 201) throw new Error(`login on ${node.name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token;
  }

  const say = (to: string, body: string) => bob.send(xml('message', { to, type: 'chat', id: body }, xml('body', {}, body)));
  const chats = (s: SseClient) => s.events.filter((e) => e.event === 'xmpp.chat.message').map((e) => e.data.content);

  t.test('login on A, act on B, stream on C', async (t) => {
    const token = await login(A, aliceUser, 'abc');
    const stream = await SseClient.open(C.url, { token });
    t.equal(stream.status, 200);
    await stream.nextEvent('xmpp.connection');
    const sent = await post(B, '/v1/chat/message', { to: bob.jid, content: 'via B' }, token);
    t.equal(sent.status, 200);
    t.type(sent.body.id, 'string');
    const msg = await bob.waitFor((s) => s.is('message') && s.attrs.id === sent.body.id);
    t.equal(msg.attrs.from, `${aliceUser.jid}/abc`, 'sent by the XMPP connection on A');
    await say(`${aliceUser.jid}/abc`, 'to the stream on C');
    await stream.next((e) => e.data.content === 'to the stream on C');

    // Same answers on every node: success, validation errors, XMPP errors.
    const viaA = await post(A, '/v1/roster/get', {}, token);
    const viaC = await post(C, '/v1/roster/get', {}, token);
    t.same(viaC, viaA, 'forwarded answer = owner answer');
    const badA = await post(A, '/v1/chat/message', { to: 'not a jid' }, token);
    const badB = await post(B, '/v1/chat/message', { to: 'not a jid' }, token);
    t.same(badB, badA);
    t.equal(badB.status, 400);
    const xmppA = await post(A, '/v1/chat/message', { to: bob.jid, content: '<p>unclosed', format: 'xhtml' }, token);
    const xmppB = await post(B, '/v1/chat/message', { to: bob.jid, content: '<p>unclosed', format: 'xhtml' }, token);
    t.same(xmppB, xmppA, 'errors raised by the owner’s worker keep their status and body');
    t.equal((await post(C, '/v1/chat/message', { to: bob.jid, content: 'x' }, 'x'.repeat(43))).status, 401);

    // Tickets issued on one node work on another.
    const ticket = (await post(B, '/v1/events/ticket', {}, token)).body.ticket;
    const viaTicket = await SseClient.open(A.url, { ticket });
    t.equal(viaTicket.status, 200);
    viaTicket.close();

    // Logout on C: the owner A closes the XMPP connection, the stream on C ends.
    t.same((await post(C, '/v1/logout', {}, token)).body, { ok: true });
    const off = await stream.next((e) => e.event === 'xmpp.connection' && e.data.status === 'offline');
    t.ok(off);
    await stream.waitEnded();
    t.equal((await post(A, '/v1/chat/message', { to: bob.jid, content: 'x' }, token)).status, 401, 'revoked everywhere');
  });

  t.test('resume on another node: every event exactly once, in order', async (t) => {
    const token = await login(B, aliceUser, 'resume');
    const to = `${aliceUser.jid}/resume`;
    const s1 = await SseClient.open(A.url, { token });
    await say(to, 'm1');
    const m1 = await s1.next((e) => e.data.content === 'm1');
    s1.close();
    for (const m of ['m2', 'm3', 'm4']) await say(to, m);
    await new Promise((r) => setTimeout(r, 300));
    const s2 = await SseClient.open(C.url, { token, lastEventId: m1.id! });
    await s2.next((e) => e.data.content === 'm4');
    await say(to, 'm5');
    await s2.next((e) => e.data.content === 'm5');
    t.same(chats(s2), ['m2', 'm3', 'm4', 'm5']);
    t.notOk(s2.events.some((e) => e.event === 'xmpp.gateway.gap'));
    const ids = s2.events.map((e) => e.id);
    t.same(ids, [...new Set(ids)], 'no duplicates');
    s2.close();
    await post(A, '/v1/logout', {}, token);
  });

  t.test('idle timeout cluster-wide: a stream on another node keeps a session alive', async (t) => {
    const idleEnv = { ...env, IDLE_TIMEOUT_S: '2' };
    const [F, G] = (await Promise.all([startNode('node-f', idleEnv), startNode('node-g', idleEnv)])) as [NodeProcess, NodeProcess];
    t.teardown(() => Promise.all([F.stop(), G.stop()]));
    const watched = await login(F, aliceUser, 'watched');
    const idle = await login(F, carolUser, 'idle');
    const stream = await SseClient.open(G.url, { token: watched });
    await stream.nextEvent('xmpp.connection');
    // Any request counts as activity: wait past the idle time and a sweep, then look once.
    await new Promise((r) => setTimeout(r, 8000));
    t.equal((await post(G, '/v1/roster/get', {}, idle)).status, 401, 'the idle session ended on its owner, revoked everywhere');
    t.equal((await post(G, '/v1/roster/get', {}, watched)).status, 200, 'the streamed one lives on');
    stream.close();
  });

  t.test('kill -9 of the owner: disconnected on the other nodes’ streams, then 410', async (t) => {
    const D = await startNode('node-d', env);
    t.teardown(() => D.stop());
    const token = await login(D, carolUser, 'doomed');
    const stream = await SseClient.open(B.url, { token });
    await stream.nextEvent('xmpp.connection');
    const killedAt = Date.now();
    D.kill('SIGKILL');
    const err = await stream.nextEvent('xmpp.error', 15000);
    t.match(err.data, { type: 'connection', condition: 'disconnected' });
    t.ok(Date.now() - killedAt < 15000, `noticed within ${Date.now() - killedAt} ms (lease 3 s)`);
    await stream.waitEnded();
    const res = await post(C, '/v1/chat/message', { to: bob.jid, content: 'x' }, token);
    t.equal(res.status, 410);
    t.match(res.body, { type: 'connection', condition: 'disconnected' });
    t.equal((await post(A, '/v1/roster/get', {}, token)).status, 410);
  });

  if (backend.restart) {
    t.test('Redis restarts: 503 meanwhile, then the session works again; lost events are a gap', async (t) => {
      const token = await login(A, aliceUser, 'redis');
      const to = `${aliceUser.jid}/redis`;
      const s1 = await SseClient.open(A.url, { token });
      await say(to, 'before');
      const before = await s1.next((e) => e.data.content === 'before');
      s1.close();
      await backend.restart!('down');
      const during = await post(B, '/v1/chat/message', { to: bob.jid, content: 'x' }, token);
      t.equal(during.status, 503, 'what needs Redis answers 503');
      t.equal(during.body.condition, 'service-unavailable');
      await say(to, 'while redis was down');
      await new Promise((r) => setTimeout(r, 500));
      await backend.restart!('up');
      // The owner writes its sessions back within one lease renewal.
      const deadline = Date.now() + 10000;
      let again = await post(B, '/v1/chat/message', { to: bob.jid, content: 'after' }, token);
      while (again.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        again = await post(B, '/v1/chat/message', { to: bob.jid, content: 'after' }, token);
      }
      t.equal(again.status, 200, 'the session works again through another node');
      await bob.waitFor((s) => s.attrs.id === again.body.id);
      await say(to, 'after restart');
      const s2 = await SseClient.open(C.url, { token, lastEventId: before.id! });
      await s2.next((e) => e.data.content === 'after restart', 10000);
      t.ok(
        s2.events.some((e) => e.event === 'xmpp.gateway.gap'),
        `the event lost while Redis was down is reported as a gap: ${JSON.stringify(s2.events)} before=${before.id}`,
      );
      t.notOk(chats(s2).includes('while redis was down'));
      s2.close();
      for (const n of [A, B, C]) t.equal((await fetch(`${n.url}/readyz`)).status, 200, `${n.name} ready again`);
      await post(A, '/v1/logout', {}, token);
    });
  }

  t.test('SIGTERM drains: requests in flight finish, the peer sees unavailable presence', async (t) => {
    // A component that answers pings slowly keeps two requests in flight when the owner is told to stop.
    const slow = await startComponent(prosody);
    t.teardown(() => slow.stop());
    slow.onGet('urn:xmpp:ping', 'ping', () => new Promise((resolve) => setTimeout(() => resolve(true), 1500)));
    const E = await startNode('node-e', env);
    const token = await login(E, aliceUser, 'drain');
    await post(E, '/v1/presence', { to: bob.jid }, token);
    const stream = await SseClient.open(A.url, { token });
    await stream.nextEvent('xmpp.connection');
    const inflight = Promise.all([post(E, '/v1/ping', { to: slow.domain }, token), post(B, '/v1/ping', { to: slow.domain }, token)]);
    const deadline = Date.now() + 5000;
    while (slow.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    t.equal(slow.received.length, 2, 'both pings reached the component: they are in flight');
    E.kill('SIGTERM');
    const results = await inflight;
    t.same(
      results.map((r) => r.status),
      [200, 200],
      'no request in flight failed',
    );
    await bob.waitFor((s) => s.is('presence') && s.attrs.from === `${aliceUser.jid}/drain` && s.attrs.type === 'unavailable');
    await stream.next((e) => e.event === 'xmpp.connection' && e.data.status === 'offline');
    t.equal(await E.exited(), 0, 'exited cleanly');
    t.equal((await post(A, '/v1/roster/get', {}, token)).status, 401, 'the session ended with the node');
    t.equal((await fetch(`${A.url}/readyz`)).status, 200, 'the other nodes still serve');
  });
}

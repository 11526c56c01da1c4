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

  async function post(
    node: NodeProcess,
    path: string,
    body: unknown,
    token?: string,
    headers: Record<string, string> = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  ): Promise<{ status: number; body: any; headers: Headers; ms: number }> {
    const started = Date.now();
    const res = await fetch(`${node.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json(), headers: res.headers, ms: Date.now() - started };
  }

  const answer = (r: { status: number; body: unknown }) => ({ status: r.status, body: r.body });

  async function login(node: NodeProcess, user: { jid: string; password: string }, resource: string): Promise<string> {
    const res = await post(node, '/v1/login', { jid: user.jid, password: user.password, host: prosody.host, port: prosody.port, resource });
    if (res.status !== 201) throw new Error(`login on ${node.name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token;
  }

  // A brand-new Redis is not trusted for one lease (README, Multi-node): an unknown token is 503
  // with Retry-After meanwhile, never 401 for what might be a live session not yet written back.
  const trustDeadline = Date.now() + 15000;
  for (;;) {
    const res = await fetch(`${A.url}/v1/roster/get`, { method: 'POST', headers: { authorization: `Bearer ${'y'.repeat(43)}` } });
    if (res.status === 401) break;
    if (res.status !== 503 || res.headers.get('retry-after') === null || Date.now() > trustDeadline) {
      throw new Error(`an unknown token on a new data set: ${res.status} ${await res.text()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
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
    t.same(answer(viaC), answer(viaA), 'forwarded answer = owner answer');
    const badA = await post(A, '/v1/chat/message', { to: 'not a jid' }, token);
    const badB = await post(B, '/v1/chat/message', { to: 'not a jid' }, token);
    t.same(answer(badB), answer(badA));
    t.equal(badB.status, 400);
    const xmppA = await post(A, '/v1/chat/message', { to: bob.jid, content: '<p>unclosed', format: 'xhtml' }, token);
    const xmppB = await post(B, '/v1/chat/message', { to: bob.jid, content: '<p>unclosed', format: 'xhtml' }, token);
    t.same(answer(xmppB), answer(xmppA), 'errors raised by the owner’s worker keep their status and body');
    t.equal((await post(C, '/v1/chat/message', { to: bob.jid, content: 'x' }, 'x'.repeat(43))).status, 401);

    // Idempotency-Key across nodes: the owner keeps the keys, whichever node a retry reaches.
    const once = { to: bob.jid, content: 'exactly once' };
    const first = await post(B, '/v1/chat/message', once, token, { 'idempotency-key': 'cluster-1' });
    const retry = await post(C, '/v1/chat/message', once, token, { 'idempotency-key': 'cluster-1' });
    t.same(answer(retry), answer(first), 'the retry on another node gets the first answer');
    t.equal(retry.headers.get('idempotent-replayed'), 'true');
    t.equal(first.headers.get('idempotent-replayed'), null);
    const reused = await post(A, '/v1/chat/message', { ...once, content: 'another' }, token, { 'idempotency-key': 'cluster-1' });
    t.equal(reused.status, 422, 'the key with another body');
    await bob.waitFor((s) => s.is('message') && s.attrs.id === first.body.id);
    await new Promise((r) => setTimeout(r, 300));
    t.equal(bob.received.filter((s) => s.is('message') && s.getChildText('body') === 'exactly once').length, 1, 'bob got it once');

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

  t.test('kill -9 of the owner: every request answered at once (503, then 410), disconnected on the streams', async (t) => {
    // A component that never answers pings keeps one relayed request in flight when the owner dies.
    const silent = await startComponent(prosody);
    t.teardown(() => silent.stop());
    silent.onGet('urn:xmpp:ping', 'ping', () => new Promise(() => undefined));
    const D = await startNode('node-d', env);
    t.teardown(() => D.stop());
    const token = await login(D, carolUser, 'doomed');
    const stream = await SseClient.open(B.url, { token });
    await stream.nextEvent('xmpp.connection');
    const inflight = post(B, '/v1/ping', { to: silent.domain }, token);
    const deadline = Date.now() + 5000;
    while (silent.received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    t.equal(silent.received.length, 1, 'the ping is in flight, relayed by B to D');
    const killedAt = Date.now();
    D.kill('SIGKILL');

    // Requests every 100 ms through the survivors, across the lease (3 s) and a sweep.
    const answers: Array<{ status: number; ms: number; retryAfter: string | null; at: number }> = [];
    while (Date.now() - killedAt < 6000) {
      const node = answers.length % 2 ? C : B;
      const r = await post(node, '/v1/chat/message', { to: bob.jid, content: 'x' }, token);
      answers.push({ status: r.status, ms: r.ms, retryAfter: r.headers.get('retry-after'), at: Date.now() - killedAt });
      await new Promise((r) => setTimeout(r, 100));
    }
    const pinged = await inflight;
    t.ok([503, 410].includes(pinged.status), `the request in flight failed (${pinged.status}) ...`);
    t.ok(pinged.ms < 3000 + 2500, `... once the owner's heartbeat lapsed (${pinged.ms} ms), not after the 20 s request timeout`);
    t.same(
      answers.filter((a) => a.status !== 503 && a.status !== 410),
      [],
      'only 503 (owner unreachable, retry) and 410 (session dead)',
    );
    t.same(
      answers.filter((a) => a.ms > 2500),
      [],
      'none waited longer than the relay timeout',
    );
    t.ok(
      answers.filter((a) => a.status === 503).every((a) => a.retryAfter === '1'),
      '503s say when to retry',
    );
    t.equal(answers.at(-1)?.status, 410, 'the session is dead once its lease lapsed');
    const firstDead = answers.findIndex((a) => a.status === 410);
    t.same(
      answers.slice(firstDead).filter((a) => a.status !== 410),
      [],
      '410 from then on',
    );

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
    t.test('Redis restarts under load: no 401 for a live token, 503 meanwhile, every event logged once, in order', async (t) => {
      const token = await login(A, aliceUser, 'redis');
      const to = `${aliceUser.jid}/redis`;
      // A stream open on another node across the outage, and one opened afterwards from the start.
      const across = await SseClient.open(C.url, { token });
      await across.nextEvent('xmpp.connection');
      const sent: string[] = [];
      const answers: Array<{ status: number; node: string; retryAfter: string | null; phase: string }> = [];
      let phase = 'before';
      let running = true;
      let paused = false;
      let idle = false;
      const load = (async () => {
        for (let i = 0; running; i++) {
          while (paused && running) {
            idle = true;
            await new Promise((r) => setTimeout(r, 20));
          }
          idle = false;
          const body = `e${i}`;
          sent.push(body);
          await say(to, body);
          const node = [A, B, C][i % 3]!;
          const r = await post(node, '/v1/roster/get', {}, token);
          answers.push({ status: r.status, node: node.name, retryAfter: r.headers.get('retry-after'), phase });
          if (r.status === 503) t.equal(r.body.condition, 'service-unavailable');
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await new Promise((r) => setTimeout(r, 1000));
      // What was logged before the crash is lost with Redis (no persistence here): a reader resumes
      // from the last event it saw before it. So that nothing is logged after that and lost, the
      // load pauses while Redis is stopped.
      paused = true;
      while (!idle) await new Promise((r) => setTimeout(r, 20));
      await across.next((e) => e.data.content === sent.at(-1));
      const cursor = across.events.at(-1)!.id!;
      const beforeCrash = sent.length;
      phase = 'down';
      await backend.restart!('down');
      paused = false;
      await new Promise((r) => setTimeout(r, 3000));
      phase = 'up';
      await backend.restart!('up');
      await new Promise((r) => setTimeout(r, 4000));
      phase = 'after';
      await new Promise((r) => setTimeout(r, 1500));
      running = false;
      await load;

      t.same(
        answers.filter((a) => a.status === 401),
        [],
        'no 401 for a token that exists, at any time',
      );
      t.same(
        answers.filter((a) => a.status !== 200 && a.status !== 503),
        [],
        'only 200 and 503',
      );
      t.ok(
        answers.some((a) => a.phase === 'down' && a.status === 503),
        'what needs Redis answers 503 while it is down',
      );
      t.ok(
        answers.filter((a) => a.status === 503).every((a) => a.retryAfter === '1'),
        'with Retry-After',
      );
      t.same(
        answers.filter((a) => a.phase === 'after' && a.status !== 200),
        [],
        'every node serves the session again after the restart',
      );
      t.ok(
        answers.filter((a) => a.phase === 'before').every((a) => a.status === 200),
        'and did before it',
      );

      const last = sent.at(-1)!;
      await across.next((e) => e.data.content === last, 15000);
      t.same(chats(across), sent, 'the stream open across the outage got every event once, in order');
      t.notOk(
        across.events.some((e) => e.event === 'xmpp.gateway.gap'),
        'and no gap',
      );
      const resumed = await SseClient.open(B.url, { token, lastEventId: cursor });
      await resumed.next((e) => e.data.content === last, 15000);
      t.same(chats(resumed), sent.slice(beforeCrash), 'the log holds every event since the crash once, in order');
      t.notOk(resumed.events.some((e) => e.event === 'xmpp.gateway.gap'));
      const ids = resumed.events.map((e) => e.id);
      t.same(ids, [...new Set(ids)], 'no duplicate ids');
      across.close();
      resumed.close();
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

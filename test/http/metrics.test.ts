// GET /metrics reflects what the node did, passes `promtool check metrics`, and keeps the stock
// process_*/nodejs_* names that Node.js dashboards expect.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { xml } from '@xmpp/client';
import { startProsody, type TestUser } from '../helpers/prosody.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { connectPeer } from '../helpers/peer.js';
import { startRedis } from '../helpers/redis.js';

const PROMTOOL = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
const prosody = await startProsody({ users: 3 });
const gw = await startGateway(prosody, { workers: 2 });
const small = await startGateway(prosody, { eventBufferSize: 3, maxBacklogBytes: 1024 });
const [alice, bob, carol] = prosody.users as [TestUser, TestUser, TestUser];
const peer = await connectPeer(prosody, bob);
t.teardown(async () => {
  await peer.stop();
  await gw.close();
  await small.close();
  await prosody.stop();
});

const scrape = async (g: TestGateway) => (await fetch(`${g.url}/metrics`)).text();
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
async function until(g: TestGateway, series: string, ok: (n: number) => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok(value(await scrape(g), series) ?? NaN)) {
    if (Date.now() > deadline) throw new Error(`${series} did not reach its value`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function promtool(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    if (!existsSync(PROMTOOL))
      return reject(new Error(`${PROMTOOL} not found: run scripts/install-test-deps.sh (Debian package prometheus)`));
    const child = execFile(PROMTOOL, ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
    child.stdin!.end(text);
  });
}

t.test('sessions, streams, requests, events and logins are counted', async (t) => {
  const a = await gw.login(alice, { resource: 'm' });
  const stream = await gw.events({ token: a.token });
  await stream.nextEvent('xmpp.connection');
  t.equal((await gw.post('/v1/chat/message', { to: bob.jid, content: 'x' }, a.token)).status, 200);
  t.equal((await gw.post('/v1/chat/message', { to: 'bad jid' }, a.token)).status, 400);
  await gw.post('/v1/login', { jid: alice.jid, password: 'nope', host: prosody.host, port: prosody.port });
  t.equal((await gw.post('/v1/login', { jid: alice.jid, password: 'x', host: 'elsewhere.example' })).status, 403);
  await peer.send(xml('message', { to: `${alice.jid}/m`, type: 'chat' }, xml('body', {}, 'hi')));
  await stream.nextEvent('xmpp.chat.message');
  const res = await fetch(`${gw.url}/metrics`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/plain/);
  const text = await res.text();
  t.match(text, /^gateway_sessions 1$/m);
  t.match(text, /^gateway_event_streams 1$/m);
  t.match(text, /^gateway_http_requests_total\{route="\/v1\/chat\/message",method="POST",status="200"\} 1$/m);
  t.match(text, /^gateway_http_requests_total\{route="\/v1\/chat\/message",method="POST",status="400"\} 1$/m);
  t.match(text, /^gateway_xmpp_events_total\{event="xmpp.chat.message"\} 1$/m);
  t.match(text, /^gateway_logins_total\{result="ok"\} 1$/m);
  t.match(text, /^gateway_logins_total\{result="error"\} 1$/m);
  t.match(text, /^gateway_logins_total\{result="refused"\} 1$/m, 'a host outside the allow-list is a refusal, not an error');
  t.match(text, /^gateway_worker_sessions\{worker="\d"\} 1$/m);
  t.match(text, /^gateway_http_request_duration_seconds_bucket\{le="0.001",route="\/v1\/chat\/message",method="POST"\}/m);
  t.match(text, /^gateway_build_info\{version="\d+\.\d+\.\d+",nodejs="v\d+\.\d+\.\d+"\} 1$/m);
  const lags = [...text.matchAll(/^gateway_worker_event_loop_lag_seconds\{worker="(\d)"\} (\S+)$/gm)];
  t.equal(lags.length, 2, 'one lag per worker');
  for (const [, , seconds] of lags) t.ok(Number(seconds) > 0 && Number(seconds) < 1, `lag ${seconds} s`);

  stream.close();
  await gw.post('/v1/logout', {}, a.token);
  const after = await scrape(gw);
  t.equal(value(after, 'gateway_xmpp_disconnects_total{reason="logout"}'), 1);
  t.equal(value(after, 'gateway_xmpp_disconnects_total{reason="dropped"}'), 0);
  // An event stream is a request (counted when it ends) but no latency: it lasts as long as the client.
  await until(gw, 'gateway_http_requests_total{route="/v1/events",method="GET",status="200"}', (n) => n === 1);
  t.notMatch(await scrape(gw), /^gateway_http_request_duration_seconds_\w+\{[^}]*route="\/v1\/events"/m);
});

t.test('stock process and Node.js metrics without a prefix; promtool finds nothing to say', async (t) => {
  const text = await scrape(gw);
  for (const name of [
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes',
  ]) {
    t.match(text, new RegExp(`^${name} `, 'm'), name);
  }
  t.notMatch(text, /^gateway_(process|nodejs)_/m);
  const { code, output } = await promtool(text);
  t.equal(code, 0, output);
  t.equal(output.trim(), '', 'no lint findings');
  // promtool does catch problems: a counter without _total is one.
  const bad = await promtool('# HELP x_count a counter\n# TYPE x_count counter\nx_count 1\n');
  t.match(bad.output, /x_count/);
});

t.test('gaps, slow-stream cutoffs and dropped connections are counted', async (t) => {
  const a = await small.login(carol, { resource: 'g' });
  const to = `${carol.jid}/g`;
  const first = await small.events({ token: a.token });
  const cursor = (await first.nextEvent('xmpp.connection')).id!;
  first.close();
  for (const body of ['g1', 'g2', 'g3', 'g4', 'g5']) await peer.send(xml('message', { to, type: 'chat' }, xml('body', {}, body)));
  await until(small, 'gateway_xmpp_events_total{event="xmpp.chat.message"}', (n) => n >= 5);
  const resumed = await small.events({ token: a.token, lastEventId: cursor });
  await resumed.nextEvent('xmpp.gateway.gap');
  resumed.close();
  t.equal(value(await scrape(small), 'gateway_sse_gaps_total'), 1);

  const slow = await small.events({ token: a.token });
  await slow.next((e) => e.data.content === 'g5');
  slow.res!.pause();
  const big = 'x'.repeat(16 * 1024);
  for (let i = 0; i < 400 && !slow.ended; i++) {
    await peer.send(xml('message', { to, type: 'chat' }, xml('body', {}, `${i}:${big}`)));
    if (i % 50 === 49 && value(await scrape(small), 'gateway_sse_slow_cutoffs_total') === 1) break;
  }
  await until(small, 'gateway_sse_slow_cutoffs_total', (n) => n === 1);
  slow.close();

  await small.app.gateway.pool.kill(small.app.gateway.pool.workerOf((await small.app.gateway.manager.authenticate(a.token)).sid)!);
  await until(small, 'gateway_xmpp_disconnects_total{reason="dropped"}', (n) => n === 1);
  t.equal(value(await scrape(small), 'gateway_xmpp_disconnects_total{reason="logout"}'), 0);
});

t.test('multi-node: Redis up and its PING time; down when Redis stops', async (t) => {
  const redis = await startRedis();
  const node = await startGateway(prosody, { redisUrl: redis.url });
  t.teardown(async () => {
    await node.close();
    await redis.stop();
  });
  const text = await scrape(node);
  t.equal(value(text, 'gateway_redis_up'), 1);
  const ping = value(text, 'gateway_redis_ping_seconds');
  t.ok(ping !== undefined && ping > 0 && ping < 1, `PING ${ping} s`);
  t.equal((await promtool(text)).output.trim(), '');
  await redis.stop();
  await until(node, 'gateway_redis_up', (n) => n === 0, 10000);
  t.ok(Number.isNaN(value(await scrape(node), 'gateway_redis_ping_seconds')), 'no PING time while it does not answer');
});

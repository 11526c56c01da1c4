// SIGTERM with DRAIN_DELAY_S, on a real process: /readyz turns 503 at once while requests are still
// served for the delay (a load balancer deregisters the node meanwhile); then the sessions end cleanly.
import t from 'tap';
import { startNode } from '../helpers/node-process.js';
import { startProsody, type TestUser } from '../helpers/prosody.js';
import { SseClient } from '../helpers/sse.js';

const prosody = await startProsody({ users: 1, lean: true });
t.teardown(() => prosody.stop());
const [alice] = prosody.users as [TestUser];

t.test('SIGTERM: 503 from /readyz at once, requests served for DRAIN_DELAY_S, then a clean stop', async (t) => {
  const node = await startNode('drain', { DRAIN_DELAY_S: '2', XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}` });
  t.teardown(() => node.stop());
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${node.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
  const login = { jid: alice.jid, password: alice.password, host: prosody.host, port: prosody.port };
  const { token } = (await (await post('/v1/login', login)).json()) as { token: string };
  const stream = await SseClient.open(node.url, { token });
  await stream.nextEvent('xmpp.connection');

  const signalled = Date.now();
  node.kill('SIGTERM');
  for (;;) {
    if ((await fetch(`${node.url}/readyz`)).status === 503) break;
    if (Date.now() - signalled > 1000) throw new Error('/readyz still ready a second after SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(Date.now() - signalled < 1000, '/readyz is 503 within a second');
  // Within the delay: everything but logins is served as before.
  t.equal((await fetch(`${node.url}/healthz`)).status, 200);
  t.equal((await post('/v1/presence', {}, token)).status, 200, 'an action is served');
  t.equal((await post('/v1/roster/get', {}, token)).status, 200, 'another one');
  const refused = await post('/v1/login', login);
  t.equal(refused.status, 503, 'a login is refused: its session would end in a moment');
  t.equal(((await refused.json()) as { condition: string }).condition, 'service-unavailable');
  t.notOk(stream.ended, 'the event stream stays open');

  const code = await node.exited();
  const took = Date.now() - signalled;
  t.equal(code, 0, 'a clean exit');
  t.ok(took >= 2000, `stopped after the delay (${took} ms)`);
  t.ok(took < 2000 + 15000, 'and within DRAIN_TIMEOUT_S after it');
  t.match(stream.events.at(-1), { event: 'xmpp.connection', data: { status: 'offline' } }, 'the session ended cleanly');
});

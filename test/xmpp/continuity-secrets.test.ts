// Sessions whose XMPP connection cannot come back end as before, with the reason (docs/api.md
// "Continuity"): a real Prosody behind a TCP proxy that cuts every connection.
import t from 'tap';
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connection, setup } from '../helpers/continuity.js';
import { startProsody } from '../helpers/prosody.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

t.test('a server without stream management: a drop ends the session as before', async (t) => {
  const s = await setup(t, { lean: true });
  s.proxy.cut();
  const err = await s.stream.nextEvent('xmpp.error', 10000);
  t.equal(err.data.condition, 'disconnected');
  t.notOk(
    connection(s.stream.events).some((c) => c.status === 'reconnecting'),
    'no reconnecting',
  );
  t.equal((await s.gw.post('/v1/chat/message', { to: s.peer.jid, content: 'x' }, s.token)).status, 410);
});

t.test('the SCRAM keys kept for re-authentication never appear in logs or /metrics', async (t) => {
  const prosody = await startProsody({ users: 1, logLevel: 'info' });
  const proxy = await startTcpProxy(prosody.port);
  let logs = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += String(chunk);
      done();
    },
  });
  const config = loadConfig({}, { workers: 1, allowedHosts: [`${proxy.host}:${proxy.port}`], logLevel: 'trace' });
  const app = await buildApp({ config, logger: { stream: sink } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(async () => {
    await app.close();
    await proxy.close();
    await prosody.stop();
  });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const user = prosody.users[0]!;
  const login = await fetch(`${url}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jid: user.jid, password: user.password, host: proxy.host, port: proxy.port }),
  });
  t.equal(login.status, 201);
  const { token } = (await login.json()) as { token: string };
  proxy.cut();
  // Resumed: a message goes out again.
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    const res = await fetch(`${url}/v1/chat/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ to: user.jid, content: 'x' }),
    });
    status = res.status;
    if (status !== 200) await sleep(200);
  }
  t.equal(status, 200, 'the session resumed');
  const metrics = (await app.inject({ url: '/metrics' })).body;
  // The keys as the gateway derived them, from the salt and iteration count the server sent (server-first).
  const challenge = /<challenge[^>]*>([^<]+)<\/challenge>/.exec(proxy.fromServer)?.[1];
  t.ok(challenge, 'a SCRAM challenge went through the proxy');
  const attrs = new Map(
    Buffer.from(challenge ?? '', 'base64')
      .toString('utf8')
      .split(',')
      .map((kv) => [kv.slice(0, 1), kv.slice(2)] as [string, string]),
  );
  const salted = pbkdf2Sync(user.password, Buffer.from(attrs.get('s') ?? '', 'base64'), Number(attrs.get('i')), 20, 'sha1');
  const keys = [createHmac('sha1', salted).update('Client Key').digest(), createHmac('sha1', salted).update('Server Key').digest()];
  for (const key of keys) {
    for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) {
      t.notOk(logs.includes(form), 'not in the logs');
      t.notOk(metrics.includes(form), 'not in /metrics');
    }
  }
  t.notOk(logs.includes(user.password), 'the password is not in the logs either');
  t.ok(logs.length > 0, 'the logs were captured');
});

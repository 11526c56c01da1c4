// GET /metrics reflects what the node did.
import t from 'tap';
import { startProsody } from './helpers/prosody.js';
import { startGateway } from './helpers/gateway.js';
import { connectPeer } from './helpers/peer.js';
import { xml } from '@xmpp/client';

const prosody = await startProsody({ users: 2 });
const gw = await startGateway(prosody);
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const [alice, bob] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];

t.test('sessions, streams, requests, events and logins are counted', async (t) => {
  const a = await gw.login(alice, { resource: 'm' });
  const stream = await gw.events({ token: a.token });
  await stream.nextEvent('xmpp.connection');
  t.equal((await gw.post('/v1/chat/message', { to: bob.jid, content: 'x' }, a.token)).status, 200);
  t.equal((await gw.post('/v1/chat/message', { to: 'bad jid' }, a.token)).status, 400);
  await gw.post('/v1/login', { jid: alice.jid, password: 'nope', host: prosody.host, port: prosody.port });
  const peer = await connectPeer(prosody, bob);
  t.teardown(() => peer.stop());
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
  t.match(text, /^gateway_worker_sessions\{worker="\d"\} 1$/m);
  t.match(text, /^gateway_http_request_duration_seconds_bucket/m);
  stream.close();
});

// Bad input on every route gets a clear error in the client-error shape and loses nothing:
// generated from the registry, so a new action is covered the day it is added.
import t from 'tap';
import type { TObject, TSchema } from '@sinclair/typebox';
import { xml } from '@xmpp/client';
import { actionPath } from '../../src/http/action-routes.js';
import { declaredActions } from '../../src/xeps/index.js';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway } from '../helpers/gateway.js';

const prosody = await startProsody({ users: 3 });
const gw = await startGateway(prosody, { bodyLimitBytes: 4096 });
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'bad' });
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});

// Session actions (the sessionless account creation needs no token: its own tests cover it).
const actions = [...declaredActions().values()].filter((a) => !a.sessionless).map(({ name, spec }) => ({ name, ...spec }));

/** A body that satisfies the schema: every required property with a plausible value. */
function validBody(schema: TSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const obj = schema as TObject;
  for (const key of obj.required ?? []) {
    const prop = obj.properties[key] as TSchema & { type?: string; format?: string; enum?: string[] };
    if (prop.format === 'jid') out[key] = bobUser.jid;
    else if (prop.enum) out[key] = prop.enum[0];
    else if (prop.type === 'array') out[key] = ['x'];
    else if (prop.type === 'integer' || prop.type === 'number') out[key] = 1;
    else if (prop.type === 'boolean') out[key] = true;
    else if (prop.type === 'object') out[key] = validBody(prop);
    else out[key] = 'x';
  }
  return out;
}

t.test('every action: no token, bad token, unknown field, not an object, each missing key', async (t) => {
  for (const a of actions) {
    const path = actionPath(a.name);
    const body = validBody(a.body);
    t.equal((await gw.post(path, body)).status, 401, `${path}: no token`);
    t.equal((await gw.post(path, body, 'x'.repeat(43))).status, 401, `${path}: unknown token`);
    const unknown = await gw.post(path, { ...body, surprise: 1 }, alice.token);
    t.equal(unknown.status, 400, `${path}: unknown field`);
    t.same(unknown.body, {
      type: 'modify',
      condition: 'client-error',
      description: "Unknown key 'surprise'",
      request: { ...body, surprise: 1 },
    });
    const arr = await gw.post(path, [1, 2], alice.token);
    t.equal(arr.status, 400, `${path}: array body`);
    t.equal(arr.body.description, 'Request body must be a JSON object');
    for (const key of (a.body as TObject).required ?? []) {
      const { [key]: _gone, ...rest } = body;
      const res = await gw.post(path, rest, alice.token);
      t.equal(res.status, 400, `${path}: missing ${key}`);
      const override = a.messages?.[`required:${key}`];
      t.equal(res.body.description, typeof override === 'string' ? override : (override?.description ?? `Missing '${key}' key`));
      t.same(res.body.request, rest, 'the request is echoed');
    }
  }
});

t.test('wrong types and invalid values are named', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['/v1/chat/message', { to: 42, content: 'x' }, "'to' must be a string"],
    ['/v1/chat/message', { to: 'not a jid@', content: 'x' }, "Invalid JID in 'to' key"],
    ['/v1/chat/message', { to: '@localhost', content: 'x' }, "Invalid JID in 'to' key"],
    ['/v1/chat/message', { to: bobUser.jid, content: 'x', receipt: 'yes' }, "'receipt' must be a boolean"],
    ['/v1/chat/message', { to: bobUser.jid, state: 'typing' }, "'state' must be one of: active, composing, paused, inactive, gone"],
    ['/v1/chat/message', { to: bobUser.jid }, 'Message content or chat state not provided'],
    ['/v1/chat/message', { to: bobUser.jid, replace: 'id1' }, "Missing 'content' key"],
    ['/v1/presence', { client: 'x' }, "'client' key must be an object"],
    ['/v1/presence', { client: { ver: '1', hash: 'sha-1' } }, "Missing 'node' key"],
    ['/v1/presence', { client: { node: 'n', hash: 'sha-1' } }, "Missing 'ver' key"],
    ['/v1/presence', { client: { node: 'n', ver: '1' } }, "Missing 'hash' key"],
    ['/v1/presence', { priority: 1000 }, "'priority' must be an integer from -128 to 127"],
    ['/v1/presence', { priority: 'high' }, "'priority' must be an integer from -128 to 127"],
    ['/v1/roster/edit', { jid: bobUser.jid }, "Missing 'groups' key"],
    ['/v1/roster/edit', { jid: bobUser.jid, groups: 'Friends' }, 'Groups should be an array'],
  ];
  for (const [path, body, description] of cases) {
    const res = await gw.post(path, body, alice.token);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.equal(res.body.description, description);
    t.equal(res.body.condition, 'client-error');
  }
});

t.test('login validation keeps the XMPP-FTW error type and never echoes the password', async (t) => {
  const res = await gw.post('/v1/login', { jid: aliceUser.jid });
  t.same(res.body, {
    type: 'auth',
    condition: 'client-error',
    description: 'Missing jid and/or password',
    request: { jid: aliceUser.jid },
  });
  const extra = await gw.post('/v1/login', { jid: aliceUser.jid, password: 'hunter2', register: true });
  t.equal(extra.status, 400, 'library options are not passed through');
  t.notMatch(JSON.stringify(extra.body), 'hunter2');
  const badJid = await gw.post('/v1/login', { jid: 'a@b@', password: 'hunter2' });
  t.equal(badJid.status, 400);
  t.notMatch(JSON.stringify(badJid.body), 'hunter2');
});

t.test('oversized bodies, broken JSON and token order', async (t) => {
  const big = await gw.post('/v1/chat/message', { to: bobUser.jid, content: 'x'.repeat(8000) }, alice.token);
  t.equal(big.status, 413);
  t.equal(big.body.condition, 'client-error');
  const broken = await gw.post('/v1/chat/message', '{"to":', alice.token);
  t.equal(broken.status, 400);
  t.equal(broken.body.description, 'Request body is not valid JSON');
  const noToken = await gw.post('/v1/chat/message', { nonsense: true });
  t.equal(noToken.status, 401, 'token is checked before the body');
  const notFound = await gw.post('/v1/no/such/thing', {}, alice.token);
  t.equal(notFound.status, 404);
  t.equal(notFound.body.condition, 'item-not-found');
});

t.test('curl-style bodies (form content type) are read as JSON', async (t) => {
  const res = await fetch(`${gw.url}/v1/chat/message`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: JSON.stringify({ to: bobUser.jid, content: 'from curl' }),
  });
  t.equal(res.status, 200);
});

t.test('after all that, the session still works end to end', async (t) => {
  const bob = await connectPeer(prosody, bobUser);
  t.teardown(() => bob.stop());
  const res = await gw.post('/v1/chat/message', { to: bob.jid, content: 'still alive' }, alice.token);
  t.equal(res.status, 200);
  await bob.waitFor((s) => s.is('message') && s.getChildText('body') === 'still alive');
  await bob.send(xml('message', { to: `${aliceUser.jid}/bad`, type: 'chat' }, xml('body', {}, 'pong')));
  const s = await gw.events({ token: alice.token });
  await s.next((e) => e.data.content === 'pong');
  s.close();
});

t.test('characters XML cannot carry are refused before they can break the stream', async (t) => {
  const res = await gw.post('/v1/chat/message', { to: bobUser.jid, content: 'bell \u0007' }, alice.token);
  t.equal(res.status, 400);
  t.equal(res.body.description, "'content' contains a character XML cannot carry");
  const login = await gw.post('/v1/login', { jid: aliceUser.jid, password: 'p\u0000w', resource: 'x' });
  t.equal(login.status, 400);
  t.notOk('password' in login.body.request, 'no password in the echo');
  const ok = await gw.post('/v1/chat/message', { to: bobUser.jid, content: 'emoji 😀 and tab\tfine' }, alice.token);
  t.equal(ok.status, 200, 'astral characters and tabs are fine');
});

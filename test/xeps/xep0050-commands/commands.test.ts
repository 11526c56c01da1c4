// XEP-0050 ad-hoc commands end to end: the gateway session as requester against Prosody's
// mod_adhoc, mod_uptime and mod_admin_adhoc (user1 is the Prosody admin), and a peer that tries
// to execute a command on the session.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';

const NS_COMMANDS = 'http://jabber.org/protocol/commands';
const ADD_USER = 'http://jabber.org/protocol/admin#add-user';

const prosody = await startProsody({ users: 3, lean: true });
const gw = await startGateway(prosody);
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const [adminUser, plainUser, peerUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const admin = await gw.login(adminUser, { resource: 'cmd' });
const plain = await gw.login(plainUser, { resource: 'cmd' });

t.test('command/list: the server’s commands, as [{ node, name }]', async (t) => {
  const res = await gw.post('/v1/command/list', {}, admin.token);
  t.equal(res.status, 200);
  t.ok(Array.isArray(res.body));
  t.same(
    res.body.find((c: { node: string }) => c.node === 'uptime'),
    { node: 'uptime', name: 'Get uptime' },
    'no jid key',
  );
  t.ok(
    res.body.some((c: { node: string }) => c.node === ADD_USER),
    'the admin sees the admin commands',
  );
  const mine = await gw.post('/v1/command/list', { to: prosody.domain }, plain.token);
  t.equal(mine.status, 200);
  t.ok(
    mine.body.some((c: { node: string }) => c.node === 'uptime'),
    'anyone may get the uptime',
  );
  t.notOk(
    mine.body.some((c: { node: string }) => c.node === ADD_USER),
    'a plain user does not see admin commands',
  );
});

t.test('command/info: disco#info of a command node', async (t) => {
  const res = await gw.post('/v1/command/info', { node: ADD_USER }, admin.token);
  t.equal(res.status, 200);
  t.same(res.body, [
    { kind: 'identity', category: 'automation', type: 'command-node', name: 'Add User' },
    { kind: 'feature', var: NS_COMMANDS },
    { kind: 'feature', var: 'jabber:x:data' },
  ]);
  const forbidden = await gw.post('/v1/command/info', { node: ADD_USER }, plain.token);
  t.equal(forbidden.status, 403);
  t.match(forbidden.body, { type: 'auth', condition: 'forbidden' });
});

t.test('command/do: the uptime command completes in one step with a note', async (t) => {
  const res = await gw.post('/v1/command/do', { node: 'uptime' }, plain.token);
  t.equal(res.status, 200);
  t.equal(res.body.status, 'completed');
  t.type(res.body.sessionId, 'string');
  t.equal(res.body.note.type, 'info');
  t.match(res.body.note.description, /This server has been running for/);
  t.notOk(res.body.form);
});

t.test('command/do: Add User, a multi-step command with a form and a sessionId; the new account logs in', async (t) => {
  const first = await gw.post('/v1/command/do', { to: prosody.domain, node: ADD_USER }, admin.token);
  t.equal(first.status, 200);
  t.equal(first.body.status, 'executing');
  t.type(first.body.sessionId, 'string');
  t.same(first.body.actions, { execute: 'complete', values: ['next', 'complete'] });
  t.equal(first.body.form.type, 'form');
  t.equal(first.body.form.title, 'Adding a User');
  t.same(
    first.body.form.fields.map((f: { var: string }) => f.var),
    ['accountjid', 'password', 'password-verify'],
    'FORM_TYPE is not a field',
  );
  t.match(first.body.form.fields[0], { var: 'accountjid', type: 'jid-single', required: true });

  const done = await gw.post(
    '/v1/command/do',
    {
      to: prosody.domain,
      node: ADD_USER,
      action: 'complete',
      sessionId: first.body.sessionId,
      form: [
        { var: 'accountjid', value: 'juliet@localhost' },
        { var: 'password', value: 'balcony-1' },
        { var: 'password-verify', value: 'balcony-1' },
      ],
    },
    admin.token,
  );
  t.equal(done.status, 200);
  t.same(done.body, {
    status: 'completed',
    sessionId: first.body.sessionId,
    note: { type: 'info', description: 'Account successfully created' },
  });

  const juliet = await gw.post('/v1/login', { jid: 'juliet@localhost', password: 'balcony-1', host: prosody.host, port: prosody.port });
  t.equal(juliet.status, 201, 'the account created by the command logs in');
  await gw.post('/v1/logout', {}, juliet.body.token);

  const again = await gw.post('/v1/command/do', { node: ADD_USER }, admin.token);
  const exists = await gw.post(
    '/v1/command/do',
    {
      node: ADD_USER,
      action: 'complete',
      sessionId: again.body.sessionId,
      form: [
        { var: 'accountjid', value: 'juliet@localhost' },
        { var: 'password', value: 'x' },
        { var: 'password-verify', value: 'x' },
      ],
    },
    admin.token,
  );
  t.same(exists.body.note, { type: 'error', description: 'Account already exists' }, 'a failed command completes with an error note');
});

t.test('command/do: a multi-step command can be cancelled', async (t) => {
  const first = await gw.post('/v1/command/do', { node: ADD_USER }, admin.token);
  t.equal(first.body.status, 'executing');
  const cancel = await gw.post('/v1/command/do', { node: ADD_USER, action: 'cancel', sessionId: first.body.sessionId }, admin.token);
  t.equal(cancel.status, 200);
  t.same(cancel.body, { status: 'canceled', sessionId: first.body.sessionId });
  const login = await gw.post('/v1/login', { jid: 'nobody@localhost', password: 'x', host: prosody.host, port: prosody.port });
  t.equal(login.status, 401, 'nothing was created');
});

t.test('command/do: a plain user may not run an admin command', async (t) => {
  const res = await gw.post('/v1/command/do', { node: ADD_USER }, plain.token);
  t.equal(res.status, 403);
  t.match(res.body, { type: 'auth', condition: 'forbidden', description: "You don't have permission to execute this command" });
});

t.test('a peer asking the session to execute a command gets feature-not-implemented on the wire', async (t) => {
  const peer = await connectPeer(prosody, peerUser);
  t.teardown(() => peer.stop());
  await peer.send(
    xml(
      'iq',
      { type: 'set', to: `${plainUser.jid}/cmd`, id: 'exec-1' },
      xml('command', { xmlns: NS_COMMANDS, node: 'list', action: 'execute' }),
    ),
  );
  const reply = await peer.waitFor((s) => s.is('iq') && s.attrs.id === 'exec-1');
  t.equal(reply.attrs.type, 'error');
  t.equal(reply.attrs.from, `${plainUser.jid}/cmd`);
  const error = reply.getChild('error');
  t.equal(error?.attrs.type, 'cancel');
  t.ok(error?.getChild('feature-not-implemented', 'urn:ietf:params:xml:ns:xmpp-stanzas'), 'XEP-0050 §4.4: commands not supported');
});

t.test('a command list announced by message is an xmpp.command.list event', async (t) => {
  const peer = await connectPeer(prosody, peerUser, { resource: 'bot' });
  t.teardown(() => peer.stop());
  const stream = await gw.events({ token: plain.token });
  t.teardown(() => stream.close());
  await peer.send(
    xml(
      'message',
      { to: `${plainUser.jid}/cmd`, id: 'announce-1' },
      xml('subject', {}, 'Service Controls'),
      xml(
        'query',
        { xmlns: 'http://jabber.org/protocol/disco#items', node: NS_COMMANDS },
        xml('item', { jid: peer.jid, node: 'report', name: 'Report' }),
        xml('item', { jid: 'mallory@localhost', node: 'steal', name: 'Trust me' }),
      ),
    ),
  );
  const event = await stream.nextEvent('xmpp.command.list');
  t.same(event.data, [{ node: 'report', name: 'Report', from: { user: peerUser.username, domain: 'localhost', resource: 'bot' } }]);
});

t.test('bad input', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['/v1/command/do', { to: prosody.domain }, "Missing 'node' key"],
    ['/v1/command/do', { node: 'uptime', action: 'run' }, "'action' must be one of: execute, next, prev, complete, cancel"],
    ['/v1/command/do', { node: 'uptime', form: 'accountjid=x' }, 'Badly formatted data form'],
    ['/v1/command/do', { node: 'uptime', form: [{ value: 'x' }] }, 'Badly formatted data form'],
    ['/v1/command/do', { node: 'uptime', sessionId: '' }, "'sessionId' must not be empty"],
    ['/v1/command/do', { node: 'uptime', surprise: 1 }, "Unknown key 'surprise'"],
    ['/v1/command/info', {}, "Missing 'node' key"],
    ['/v1/command/info', { node: 'uptime', to: 'not a jid@' }, "Invalid JID in 'to' key"],
    ['/v1/command/list', { rsm: { max: -1 } }, "'rsm.max' is out of range (must be >= 0)"],
  ];
  for (const [path, body, description] of cases) {
    const res = await gw.post(path, body, plain.token);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.equal(res.body.description, description);
    t.same(res.body.request, body, 'the request is echoed');
  }
  t.equal((await gw.post('/v1/command/do', { node: 'uptime' })).status, 401, 'no token');
});

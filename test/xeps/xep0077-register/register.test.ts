// XEP-0077 in-band registration end to end against Prosody's mod_register: a new account made
// without a session (POST /v1/register), logged in, its password changed, then deleted; errors
// from a service (with its form) through a component peer; and the pre-authentication exchange
// itself against scripted server answers.
import t from 'tap';
import { parse, type Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { cxml, startComponent } from '../../helpers/component.js';
import { freePort } from '../../helpers/ports.js';
import { createAccount } from '../../../src/xeps/xep0077-register/account.js';
import { GatewayError } from '../../../src/errors.js';

const prosody = await startProsody({ users: 2, lean: true });
const closedPort = await freePort();
const gw = await startGateway(prosody, { allowedHosts: [`${prosody.host}:${prosody.port}`, `127.0.0.1:${closedPort}`] });
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const server = { host: prosody.host, port: prosody.port };
const login = (jid: string, password: string) => gw.post('/v1/login', { jid, password, ...server });

t.test('an account’s life: register without a session, log in, change the password, delete it', async (t) => {
  const created = await gw.post('/v1/register', { jid: 'newbie@localhost', password: 'first-pass', ...server });
  t.equal(created.status, 201);
  t.same(created.body, { ok: true, jid: { user: 'newbie', domain: 'localhost' } });
  t.notMatch(JSON.stringify(created.body), 'first-pass', 'the password is not echoed');

  const session = await login('newbie@localhost', 'first-pass');
  t.equal(session.status, 201, 'the new account logs in');
  const token = session.body.token as string;

  const info = await gw.post('/v1/register/get', {}, token);
  t.equal(info.status, 200);
  t.same(info.body, { username: 'newbie', password: true, registered: true });

  const changed = await gw.post('/v1/register/password', { password: 'second-pass' }, token);
  t.equal(changed.status, 200);
  t.same(changed.body, { registered: true });
  const wrongUser = await gw.post('/v1/register/password', { to: 'localhost', username: bobUser.username, password: 'x' }, token);
  t.equal(wrongUser.status, 400, 'someone else’s password is not ours to change');
  t.match(wrongUser.body, { type: 'modify', condition: 'bad-request' });
  await gw.post('/v1/logout', {}, token);

  t.equal((await login('newbie@localhost', 'first-pass')).status, 401, 'the old password no longer works');
  const again = await login('newbie@localhost', 'second-pass');
  t.equal(again.status, 201, 'the new one does');

  const stream = await gw.events({ token: again.body.token });
  t.teardown(() => stream.close());
  const unconfirmed = await gw.post('/v1/register/unregister', {}, again.body.token);
  t.equal(unconfirmed.status, 400, '{} never deletes the account');
  t.same(unconfirmed.body, { type: 'modify', condition: 'client-error', description: "Missing 'to' key", request: {} });
  t.equal((await gw.post('/v1/register/get', {}, again.body.token)).status, 200, 'the session (and account) is still there');
  const removed = await gw.post('/v1/register/unregister', { to: 'localhost' }, again.body.token);
  t.equal(removed.status, 200);
  t.same(removed.body, { ok: true });
  const gone = await stream.nextEvent('xmpp.error');
  t.match(gone.data, { type: 'connection', condition: 'disconnected' }, 'the server ends the deleted account’s session');
  t.equal((await gw.post('/v1/register/get', {}, again.body.token)).status, 410);
  t.equal((await login('newbie@localhost', 'second-pass')).status, 401, 'the account is gone');
});

t.test('registering an existing account is 409 conflict', async (t) => {
  const res = await gw.post('/v1/register', { jid: bobUser.jid, password: 'whatever', ...server });
  t.equal(res.status, 409);
  t.match(res.body, { type: 'cancel', condition: 'conflict', description: 'The requested username already exists.' });
  t.notMatch(JSON.stringify(res.body), 'whatever');
  t.equal((await login(bobUser.jid, bobUser.password)).status, 201, 'the existing account is untouched');
});

t.test('extra fields for the server ride along in `fields`', async (t) => {
  const res = await gw.post('/v1/register', {
    jid: 'withmail@localhost',
    password: 'p4ss',
    fields: { email: 'withmail@example.org' },
    ...server,
  });
  t.equal(res.status, 201);
  t.equal((await login('withmail@localhost', 'p4ss')).status, 201);
});

t.test('POST /v1/register refuses what it must', async (t) => {
  const notAllowed = await gw.post('/v1/register', { jid: 'x@localhost', password: 'p', host: '127.0.0.2', port: prosody.port });
  t.equal(notAllowed.status, 403);
  t.match(notAllowed.body, { type: 'cancel', condition: 'host-not-allowed' });
  const unreachable = await gw.post('/v1/register', { jid: 'x@localhost', password: 'p', host: '127.0.0.1', port: closedPort });
  t.equal(unreachable.status, 502);

  const cases: Array<[unknown, string]> = [
    [{ password: 'secret-1' }, "Missing 'jid' key"],
    [{ jid: 'x@localhost' }, "Missing 'password' key"],
    [{ jid: 'localhost', password: 'secret-1' }, 'Invalid JID: give user@domain'],
    [{ jid: 'x@localhost/res', password: 'secret-1' }, 'Invalid JID: give user@domain'],
    [{ jid: 'a@b@c', password: 'secret-1' }, 'Invalid JID: give user@domain'],
    [{ jid: 'x@localhost', password: 'secret-1', register: true }, "Unknown key 'register'"],
    [{ jid: 'x@localhost', password: 'secret-1', port: 0 }, "'port' is out of range (must be >= 1)"],
    [{ jid: 'x@localhost', password: 'secret-1', fields: { 'bad name': 'x' } }, "Unknown key 'fields.bad name'"],
    [{ jid: 'x@localhost', password: 'secret-1', fields: { email: 1 } }, "'fields.email' must be a string"],
  ];
  for (const [body, description] of cases) {
    const res = await gw.post('/v1/register', body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.equal(res.body.description, description);
    t.equal(res.body.condition, 'client-error');
    t.notMatch(JSON.stringify(res.body), 'secret-1', 'the password is never echoed');
  }
});

t.test('register with a service: its errors carry its form', async (t) => {
  const alice = await gw.login(aliceUser, { resource: 'reg' });
  const component = await startComponent(prosody);
  t.teardown(() => component.stop());
  const form = () =>
    cxml(
      'x',
      { xmlns: 'jabber:x:data', type: 'form' },
      cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, 'jabber:iq:register')),
      cxml('field', { var: 'nick', type: 'text-single', label: 'Nickname' }, cxml('required')),
    );
  component.onGet('jabber:iq:register', 'query', () =>
    cxml('query', { xmlns: 'jabber:iq:register' }, cxml('instructions', {}, 'Pick a nick'), cxml('nick'), form()),
  );
  component.onSet('jabber:iq:register', 'query', ({ element }) => {
    const nick =
      element.getChildText('nick') ??
      element
        .getChild('x', 'jabber:x:data')
        ?.getChildren('field')
        .find((f) => f.attrs.var === 'nick')
        ?.getChildText('value');
    if (nick === 'thirdwitch') return true;
    // The error reply carries the query it answers: put the form back in it (XEP-0077 §3.1 error with form).
    element.cnode(form());
    return cxml('error', { type: 'modify' }, cxml('not-acceptable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));
  });

  const get = await gw.post('/v1/register/get', { to: component.domain }, alice.token);
  t.same(get.body, {
    nick: true,
    instructions: 'Pick a nick',
    form: { type: 'form', fields: [{ var: 'nick', type: 'text-single', label: 'Nickname', required: true }], items: [] },
  });
  const refused = await gw.post('/v1/register/set', { to: component.domain, form: [{ var: 'nick', value: 'x' }] }, alice.token);
  t.equal(refused.status, 406);
  t.same(refused.body, {
    type: 'modify',
    condition: 'not-acceptable',
    form: { type: 'form', fields: [{ var: 'nick', type: 'text-single', label: 'Nickname', required: true }], items: [] },
  });
  const sent = component.received.at(-1)!.getChild('query', 'jabber:iq:register')!.getChild('x', 'jabber:x:data')!;
  t.equal(sent.getChildren('field')[0]?.getChildText('value'), 'jabber:iq:register', 'FORM_TYPE first');
  const ok = await gw.post('/v1/register/set', { to: component.domain, nick: 'thirdwitch' }, alice.token);
  t.same(ok.body, { registered: true });
  const bye = await gw.post('/v1/register/unregister', { to: component.domain, form: [{ var: 'nick', value: 'thirdwitch' }] }, alice.token);
  t.same(bye.body, { ok: true });
  const cancel = component.received.at(-1)!.getChild('query', 'jabber:iq:register')!;
  t.equal(cancel.getChild('x', 'jabber:x:data')?.getChildren('field')[0]?.getChildText('value'), 'jabber:iq:register:cancel');

  const bad = await gw.post('/v1/register/set', { to: component.domain, form: [{ var: 'nick', value: { a: 1 } }] }, alice.token);
  t.equal(bad.status, 400);
  t.equal(bad.body.description, 'Badly formatted data form');
  const badPassword = await gw.post('/v1/register/password', { password: 7 }, alice.token);
  t.equal(badPassword.body.description, "'password' must be a string");
  t.notOk('password' in badPassword.body.request, 'no password in the echo');
  await gw.post('/v1/logout', {}, alice.token);
});

// --- The pre-authentication exchange (XEP-0077 §3.1) against scripted answers ---

function scripted(...answers: string[]) {
  const sent: Element[] = [];
  const request = async (iq: Element) => {
    sent.push(iq);
    const next = answers.shift();
    if (next === undefined) throw new Error('no scripted answer left');
    return parse(next.replace(/ID/g, iq.attrs.id!));
  };
  return { sent, request };
}

const account = { domain: 'example.org', username: 'juliet', password: 'R0m30' };
const REG = 'jabber:iq:register';

t.test('createAccount: legacy fields', async (t) => {
  const s = scripted(
    `<iq type='result' id='ID'><query xmlns='${REG}'><instructions>Choose</instructions><username/><password/><email/></query></iq>`,
    `<iq type='result' id='ID'/>`,
  );
  await createAccount(s.request, { ...account, fields: { email: 'juliet@capulet.com' } });
  t.equal(s.sent[0]!.toString(), `<iq type="get" id="${s.sent[0]!.attrs.id}" to="example.org"><query xmlns="${REG}"/></iq>`);
  const set = s.sent[1]!.getChild('query', REG)!;
  t.same(
    set.getChildElements().map((c) => [c.name, c.getText()]),
    [
      ['username', 'juliet'],
      ['password', 'R0m30'],
      ['email', 'juliet@capulet.com'],
    ],
  );
});

t.test('createAccount: the server’s data form, under its FORM_TYPE', async (t) => {
  const s = scripted(
    `<iq type='result' id='ID'><query xmlns='${REG}'><username/><password/><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>${REG}</value></field><field var='username' type='text-single'><required/></field><field var='password' type='text-private'><required/></field></x></query></iq>`,
    `<iq type='result' id='ID'/>`,
  );
  await createAccount(s.request, account);
  const x = s.sent[1]!.getChild('query', REG)!.getChild('x', 'jabber:x:data')!;
  t.equal(x.attrs.type, 'submit');
  t.same(
    x.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')]),
    [
      ['FORM_TYPE', REG],
      ['username', 'juliet'],
      ['password', 'R0m30'],
    ],
  );
  t.notOk(s.sent[1]!.getChild('query', REG)!.getChild('username'), 'the form only, not the legacy fields too');
});

t.test('createAccount: a required form field we lack is 400 with the form', async (t) => {
  const s = scripted(
    `<iq type='result' id='ID'><query xmlns='${REG}'><x xmlns='jabber:x:data' type='form'><field var='username'><required/></field><field var='password'><required/></field><field var='email' label='Email'><required/></field></x></query></iq>`,
  );
  const err = (await createAccount(s.request, account).catch((e: unknown) => e)) as GatewayError;
  t.ok(err instanceof GatewayError);
  t.equal(err.status, 400);
  t.match(err.body, { condition: 'client-error', description: "The server also asks for 'email': send it in 'fields'" });
  t.match(err.body.form, { fields: [{ var: 'username' }, { var: 'password' }, { var: 'email', label: 'Email', required: true }] });
  t.equal(s.sent.length, 1, 'nothing submitted');
});

t.test('createAccount: registration elsewhere (OOB) or not at all', async (t) => {
  const oob = scripted(
    `<iq type='result' id='ID'><query xmlns='${REG}'><instructions>Go to the web</instructions><x xmlns='jabber:x:oob'><url>https://example.org/join</url></x></query></iq>`,
  );
  const err = (await createAccount(oob.request, account).catch((e: unknown) => e)) as GatewayError;
  t.equal(err.status, 501);
  t.same(err.body, {
    type: 'cancel',
    condition: 'feature-not-implemented',
    description: 'The server registers accounts out of band',
    oob: { url: 'https://example.org/join' },
  });
  const closed = scripted(
    `<iq type='error' id='ID'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
  );
  const off = (await createAccount(closed.request, account).catch((e: unknown) => e)) as GatewayError;
  t.equal(off.status, 503);
});

t.test('createAccount: an error to the submission keeps its condition and form', async (t) => {
  const s = scripted(
    `<iq type='result' id='ID'><query xmlns='${REG}'><username/><password/></query></iq>`,
    `<iq type='error' id='ID'><query xmlns='${REG}'><x xmlns='jabber:x:data' type='form'><field var='username'/></x></query><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
  );
  const err = (await createAccount(s.request, account).catch((e: unknown) => e)) as GatewayError;
  t.equal(err.status, 409);
  t.same(err.body, { type: 'cancel', condition: 'conflict', form: { type: 'form', fields: [{ var: 'username' }], items: [] } });
});

// XEP-0055 Jabber Search end to end: basic search against Prosody's user directory (mod_vjud on
// vjud.localhost; users publish a vCard and opt in with its ad-hoc command), and form search
// against a component peer that answers with a data form.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';
import { cxml, startComponent } from '../../helpers/component.js';

const prosody = await startProsody({ users: 3, lean: true });
const gw = await startGateway(prosody);
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const [aliceUser, julietUser, romeoUser] = prosody.users as [
  (typeof prosody.users)[0],
  (typeof prosody.users)[0],
  (typeof prosody.users)[0],
];
const alice = await gw.login(aliceUser, { resource: 'search' });

/** A user publishes a vcard-temp vCard (through a peer client) and opts in to the directory (through the gateway). */
async function publish(user: (typeof prosody.users)[0], vcard: { given: string; family: string; nick: string; email: string }) {
  const peer = await connectPeer(prosody, user);
  await peer.xmpp.iqCaller.request(
    xml(
      'iq',
      { type: 'set' },
      xml(
        'vCard',
        { xmlns: 'vcard-temp' },
        xml('FN', {}, `${vcard.given} ${vcard.family}`),
        xml('N', {}, xml('FAMILY', {}, vcard.family), xml('GIVEN', {}, vcard.given)),
        xml('NICKNAME', {}, vcard.nick),
        xml('EMAIL', {}, xml('INTERNET'), xml('USERID', {}, vcard.email)),
      ),
    ),
  );
  await peer.stop();
  const session = await gw.login(user, { resource: 'optin' });
  const form = await gw.post('/v1/command/do', { to: prosody.vjudDomain, node: 'vjudsetup' }, session.token);
  if (form.body.status !== 'executing') throw new Error(`vjudsetup: ${JSON.stringify(form.body)}`);
  const done = await gw.post(
    '/v1/command/do',
    {
      to: prosody.vjudDomain,
      node: 'vjudsetup',
      action: 'complete',
      sessionId: form.body.sessionId,
      form: [{ var: 'searchable', value: true }],
    },
    session.token,
  );
  await gw.post('/v1/logout', {}, session.token);
  return { form: form.body, done: done.body };
}

t.test('opting in to the directory is an ad-hoc command on the search service', async (t) => {
  const { form, done } = await publish(julietUser, { given: 'Juliet', family: 'Capulet', nick: 'JuliC', email: 'juliet@example.org' });
  t.same(form.actions, { values: ['complete'] });
  t.match(form.form.fields, [{ var: 'searchable', type: 'boolean', label: 'Appear in search results?' }]);
  t.equal(done.status, 'completed');
  await publish(romeoUser, { given: 'Romeo', family: 'Montague', nick: 'Romy', email: 'romeo@example.org' });
});

t.test('search/get: vjud offers basic fields', async (t) => {
  const res = await gw.post('/v1/search/get', { to: prosody.vjudDomain }, alice.token);
  t.equal(res.status, 200);
  t.same(res.body, {
    instructions: 'Fill in one or more fields to search for any matching Jabber users.',
    basic: ['first', 'last', 'nick', 'email'],
  });
});

// This mod_vjud (prosody-modules 2023-02) throws on a search without an email (jid_split(false)) and
// then never answers: every search below names one, and matches on any field.
t.test('search/do with basic fields: legacy results in the { fields, results } shape', async (t) => {
  const res = await gw.post('/v1/search/do', { to: prosody.vjudDomain, basic: { last: 'capu', email: 'juliet@' } }, alice.token);
  t.equal(res.status, 200);
  t.same(res.body, {
    fields: {
      jid: { label: 'JID', type: 'jid-single' },
      first: { label: 'Given Name', type: 'text-single' },
      last: { label: 'Family Name', type: 'text-single' },
      nick: { label: 'Nickname', type: 'text-single' },
      email: { label: 'Email', type: 'text-single' },
    },
    results: [{ jid: julietUser.jid, first: 'Juliet', last: 'Capulet', nick: 'JuliC', email: 'juliet@example.org' }],
  });
  const nick = await gw.post('/v1/search/do', { to: prosody.vjudDomain, basic: { nick: 'rom', email: 'rom' } }, alice.token);
  t.same(
    nick.body.results.map((r: { jid: string }) => r.jid),
    [romeoUser.jid],
  );
  const none = await gw.post('/v1/search/do', { to: prosody.vjudDomain, basic: { nick: 'nobody', email: 'nobody' } }, alice.token);
  t.same(none.body, { fields: {}, results: [] });
});

t.test('search/do: the service’s errors keep their condition', async (t) => {
  const res = await gw.post('/v1/search/do', { to: prosody.vjudDomain, basic: { nick: 'a', email: 'b' } }, alice.token);
  t.equal(res.status, 406);
  t.same(res.body, { type: 'modify', condition: 'not-acceptable', description: 'All fields were empty or too short' });
  const nowhere = await gw.post('/v1/search/get', { to: prosody.domain }, alice.token);
  t.equal(nowhere.status, 503, 'the server itself does not search');
});

t.test('form search against a component: FORM_TYPE on the wire, typed results', async (t) => {
  const component = await startComponent(prosody);
  t.teardown(() => component.stop());
  component.onGet('jabber:iq:search', 'query', () =>
    cxml(
      'query',
      { xmlns: 'jabber:iq:search' },
      cxml('instructions', {}, 'Use the form.'),
      cxml(
        'x',
        { xmlns: 'jabber:x:data', type: 'form' },
        cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, 'jabber:iq:search')),
        cxml('field', { var: 'x-play', type: 'text-single', label: 'Play' }),
      ),
    ),
  );
  component.onSet('jabber:iq:search', 'query', () =>
    cxml(
      'query',
      { xmlns: 'jabber:iq:search' },
      cxml(
        'x',
        { xmlns: 'jabber:x:data', type: 'result' },
        cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, 'jabber:iq:search')),
        cxml(
          'reported',
          {},
          cxml('field', { var: 'jid', type: 'jid-single', label: 'JID' }),
          cxml('field', { var: 'x-plays', type: 'list-multi', label: 'Plays' }),
          cxml('field', { var: 'x-alive', type: 'boolean', label: 'Alive' }),
        ),
        cxml(
          'item',
          {},
          cxml('field', { var: 'jid' }, cxml('value', {}, 'romeo@montague.net')),
          cxml('field', { var: 'x-plays' }, cxml('value', {}, 'Romeo and Juliet'), cxml('value', {}, 'Romeo + Juliet')),
          cxml('field', { var: 'x-alive' }, cxml('value', {}, '0')),
        ),
      ),
    ),
  );

  const get = await gw.post('/v1/search/get', { to: component.domain }, alice.token);
  t.same(get.body, {
    instructions: 'Use the form.',
    form: { type: 'form', fields: [{ var: 'x-play', type: 'text-single', label: 'Play' }], items: [] },
  });

  const res = await gw.post('/v1/search/do', { to: component.domain, form: [{ var: 'x-play', value: 'Romeo and Juliet' }] }, alice.token);
  t.equal(res.status, 200);
  t.same(res.body, {
    fields: {
      jid: { label: 'JID', type: 'jid-single' },
      'x-plays': { label: 'Plays', type: 'list-multi' },
      'x-alive': { label: 'Alive', type: 'boolean' },
    },
    results: [{ jid: 'romeo@montague.net', 'x-plays': ['Romeo and Juliet', 'Romeo + Juliet'], 'x-alive': false }],
  });
  const sent = component.received.at(-1)!;
  const x = sent.getChild('query', 'jabber:iq:search')?.getChild('x', 'jabber:x:data');
  t.equal(x?.attrs.type, 'submit');
  t.same(
    x?.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')]),
    [
      ['FORM_TYPE', 'jabber:iq:search'],
      ['x-play', 'Romeo and Juliet'],
    ],
  );
});

t.test('bad input', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['/v1/search/get', {}, "Missing 'to' key"],
    ['/v1/search/do', { basic: { nick: 'romeo' } }, "Missing 'to' key"],
    ['/v1/search/do', { to: prosody.vjudDomain }, "Missing 'basic' or 'form' key"],
    ['/v1/search/do', { to: prosody.vjudDomain, form: { nick: 'romeo' } }, 'Badly formatted data form'],
    ['/v1/search/do', { to: prosody.vjudDomain, form: [{ var: 'nick', value: { a: 1 } }] }, 'Badly formatted data form'],
    ['/v1/search/do', { to: prosody.vjudDomain, basic: 'romeo' }, "'basic' must be an object"],
    ['/v1/search/do', { to: prosody.vjudDomain, basic: { '<nick>': 'romeo' } }, "Unknown key 'basic.<nick>'"],
    ['/v1/search/do', { to: prosody.vjudDomain, basic: { xmlns: 'evil' } }, "Unknown key 'basic.xmlns'"],
    ['/v1/search/do', { to: 'a@b@c', basic: { nick: 'romeo' } }, "Invalid JID in 'to' key"],
  ];
  for (const [path, body, description] of cases) {
    const res = await gw.post(path, body, alice.token);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.equal(res.body.description, description);
    t.same(res.body.request, body, 'the request is echoed');
  }
});

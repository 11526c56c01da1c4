// XEP-0115 §5: the verification string and hash, checked against the XEP's own examples, and the
// gateway's advertised ver checked against what its disco#info responder actually answers.
import t from 'tap';
import { parse } from 'ltx';
import { capsString, capsVer, capsVerOfQuery, GATEWAY_CAPS_NODE, gatewayCapsVer } from '../../src/xmpp/caps.js';
import { loadRegistry, parseStanza, runAction, runIncoming } from '../helpers/golden.js';

t.test('XEP-0115 §5.2 simple generation example (Exodus 0.9.1)', async (t) => {
  const identities = [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }];
  const features = [
    'http://jabber.org/protocol/caps',
    'http://jabber.org/protocol/disco#info',
    'http://jabber.org/protocol/disco#items',
    'http://jabber.org/protocol/muc',
  ];
  t.equal(
    capsString(identities, features),
    'client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<' +
      'http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<',
  );
  t.equal(capsVer(identities, [...features].reverse()), 'QgayPKawpkPSDYmwT/WM94uAlu0=', 'order of the input does not matter');
});

t.test('XEP-0115 §5.3 complex generation example (Psi 0.11, with a XEP-0128 form), from the disco#info XML', async (t) => {
  const query = parse(`<query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>
    <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
    <identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>
    <feature var='http://jabber.org/protocol/caps'/>
    <feature var='http://jabber.org/protocol/disco#info'/>
    <feature var='http://jabber.org/protocol/disco#items'/>
    <feature var='http://jabber.org/protocol/muc'/>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
      <field var='ip_version' type='text-multi'><value>ipv4</value><value>ipv6</value></field>
      <field var='os'><value>Mac</value></field>
      <field var='os_version'><value>10.5.1</value></field>
      <field var='software'><value>Psi</value></field>
      <field var='software_version'><value>0.11</value></field>
    </x>
  </query>`);
  t.equal(capsVerOfQuery(query), 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
});

t.test('identities sort field by field, features by octet', async (t) => {
  // As one string "client-x/…" would sort before "client/…" ('-' < '/'); by category, "client" comes first.
  t.equal(
    capsString(
      [
        { category: 'client-x', type: 'a' },
        { category: 'client', type: 'b' },
      ],
      [],
    ),
    'client/b//<client-x/a//<',
  );
  // UTF-16 code units put U+1F600 (surrogate 0xD83D) before U+FF5E; its UTF-8 bytes (0xF0…) come after 0xEF….
  t.equal(capsString([], ['\u{1F600}', '\uFF5E']), '\uFF5E<\u{1F600}<', 'UTF-8 byte order');
  t.equal(capsString([], ['b', 'a', 'b']), 'a<b<', 'duplicates once');
});

t.test("the gateway's advertised ver is the hash of its own disco#info answer", async (t) => {
  const reg = await loadRegistry();
  const presence = reg.actions.get('presence')!;
  const sent = await runAction(reg, presence, {}, []);
  const c = sent.sent[0]?.getChild('c', 'http://jabber.org/protocol/caps');
  t.ok(c, 'presence carries caps');
  t.equal(c?.attrs.node, GATEWAY_CAPS_NODE);
  t.equal(c?.attrs.hash, 'sha-1');
  t.equal(c?.attrs.ver, gatewayCapsVer(reg.features));

  for (const node of [undefined, `${GATEWAY_CAPS_NODE}#${c?.attrs.ver}`]) {
    const request = parseStanza(
      `<iq xmlns='jabber:client' type='get' from='bob@localhost/x' to='alice@localhost/gw' id='q'>` +
        `<query xmlns='http://jabber.org/protocol/disco#info'${node ? ` node='${node}'` : ''}/></iq>`,
    );
    const out = runIncoming(reg, request);
    const reply = out.sent[0];
    t.equal(reply?.attrs.type, 'result', `answered (node ${node ?? 'none'})`);
    const query = reply?.getChild('query', 'http://jabber.org/protocol/disco#info');
    t.equal(query?.attrs.node, node, 'the answer names the node asked about');
    t.equal(capsVerOfQuery(query!), c?.attrs.ver, 'XEP-0115 §5.4 verification succeeds');
    const features = query!.getChildren('feature').map((f) => f.attrs.var);
    t.same(features, [...reg.features].sort(), "every registered area's features, each once");
    t.ok(features.includes('http://jabber.org/protocol/caps') && features.includes('urn:xmpp:ping'));
  }
});

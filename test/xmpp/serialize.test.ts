// The wire serialiser (src/xmpp/serialize.ts): CR in text and CR/LF/TAB in attribute values become
// character references (XML 1.0 §2.11, §3.3.3), everything else is written as ltx writes it; and a
// round trip through a real Prosody to a real peer client keeps "a\r\nb\tc" in a body and an attribute.
import t from 'tap';
import fc from 'fast-check';
import { createElement, Element, parse } from 'ltx';
import { escapeAttr, escapeText, serialize } from '../../src/xmpp/serialize.js';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway } from '../helpers/gateway.js';

t.test('text: the usual metacharacters and CR are escaped; LF and TAB stay raw', async (t) => {
  t.equal(escapeText('a\r\nb\tc'), 'a&#13;\nb\tc');
  t.equal(escapeText(`<&>"'`), `&lt;&amp;&gt;"'`);
  t.equal(escapeText('\r\r'), '&#13;&#13;');
});

t.test('attributes: the usual metacharacters and TAB, LF, CR are escaped', async (t) => {
  t.equal(escapeAttr('a\r\nb\tc'), 'a&#13;&#10;b&#9;c');
  t.equal(escapeAttr(`<&>"'`), '&lt;&amp;&gt;&quot;&apos;');
});

t.test('elements: exact output', async (t) => {
  const el = createElement(
    'message',
    { to: 'bob@localhost', id: 'x\ty', skipped: undefined },
    createElement('body', {}, 'a\r\nb\tc'),
    createElement('replace', { xmlns: 'urn:xmpp:message-correct:0', id: 'a\r\nb' }),
  );
  t.equal(
    serialize(el),
    `<message to="bob@localhost" id="x&#9;y"><body>a&#13;\nb\tc</body><replace xmlns="urn:xmpp:message-correct:0" id="a&#13;&#10;b"/></message>`,
  );
  const withNull = new Element('x');
  // ltx accepts null and numeric children (it skips the first and writes the second); so do we.
  (withNull.children as unknown[]).push(null, 42, 'text');
  t.equal(serialize(withNull), '<x>42text</x>');
  t.equal(serialize(withNull), withNull.toString(), 'same as ltx');
  t.equal(serialize(createElement('empty', { n: '1' })), '<empty n="1"/>');
});

t.test('a 100,000-level element serialises without exhausting the stack', async (t) => {
  const root = createElement('a');
  let el = root;
  for (let i = 0; i < 100_000; i++) el = el.c('a');
  const out = serialize(root);
  t.ok(out === `${'<a>'.repeat(100_000)}<a/>${'</a>'.repeat(100_000)}`, 'every level opened and closed (the innermost as <a/>)');
});

// Arbitrary trees of printable text and whitespace, to compare with ltx and to parse back.
const chars = fc.constantFrom('a', 'é', '\u{1F600}', ' ', '\t', '\n', '\r', '&', '<', '>', '"', "'", ';', '#');
const str = fc.array(chars, { maxLength: 12 }).map((a) => a.join(''));
const tree: fc.Arbitrary<Element> = fc.letrec<{ el: Element }>((tie) => ({
  el: fc
    .tuple(
      fc.constantFrom('message', 'body', 'x', 'field'),
      fc.dictionary(fc.constantFrom('id', 'to', 'var', 'label'), str, { maxKeys: 3 }),
      fc.array(
        fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          str.filter((s) => s !== ''),
          tie('el'),
        ),
        { maxLength: 4 },
      ),
    )
    .map(([name, attrs, children]) => createElement(name, attrs, ...children)),
})).el;

t.test('property: without TAB, LF and CR the output is byte for byte ltx’s', async (t) => {
  const plain = tree.filter((el) => !/[\t\n\r]/.test(el.toString()));
  fc.assert(
    fc.property(plain, (el) => serialize(el) === el.toString()),
    { numRuns: 300 },
  );
  t.pass('300 trees');
});

t.test('property: ltx parses the output back to the same tree', async (t) => {
  fc.assert(
    fc.property(tree, (el) => parse(serialize(el)).toString() === el.toString()),
    { numRuns: 300 },
  );
  t.pass('300 trees');
});

t.test('property: no raw CR anywhere, and no raw TAB or LF inside a tag', async (t) => {
  fc.assert(
    fc.property(tree, (el) => {
      const out = serialize(el);
      if (out.includes('\r')) return false;
      // Text never contains '<' or '>' raw, so a tag is everything between a '<' and the next '>'.
      return (out.match(/<[^>]*>/g) ?? []).every((tag) => !/[\t\n]/.test(tag));
    }),
    { numRuns: 300 },
  );
  t.pass('300 trees');
});

t.test('round trip through Prosody: the peer receives exactly "a\\r\\nb\\tc" in the body and an attribute', async (t) => {
  const prosody = await startProsody({ users: 2 });
  const gw = await startGateway(prosody);
  t.teardown(async () => {
    await gw.close();
    await prosody.stop();
  });
  const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
  const bob = await connectPeer(prosody, bobUser, { presence: true });
  t.teardown(() => bob.stop());
  const alice = await gw.login(aliceUser, { resource: 'gw' });
  const text = 'a\r\nb\tc';
  // `replace` is written as the id attribute of XEP-0308's <replace/>.
  const res = await gw.post('/v1/chat/message', { to: bob.jid, content: text, replace: text }, alice.token);
  t.equal(res.status, 200);
  const msg = await bob.waitFor((s) => s.is('message') && s.attrs.id === res.body.id, 5000);
  t.equal(msg.getChildText('body'), text, 'body text');
  t.equal(msg.getChild('replace', 'urn:xmpp:message-correct:0')?.attrs.id, text, 'attribute value');
  const receipt = await gw.post('/v1/chat/receipt', { to: bob.jid, id: text }, alice.token);
  t.equal(receipt.status, 200);
  const ack = await bob.waitFor((s) => s.is('message') && s.getChild('received', 'urn:xmpp:receipts') !== undefined, 5000);
  t.equal(ack.getChild('received', 'urn:xmpp:receipts')?.attrs.id, text, 'receipt id attribute');
});

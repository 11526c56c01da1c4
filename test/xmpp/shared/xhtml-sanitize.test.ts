// Incoming XHTML-IM end to end (issue #10 item 5, XEP-0071 §8): a real peer on the test Prosody sends hostile
// markup to a gateway session; the SSE event carries the markup reduced to XEP-0071 §7's recommended profile,
// and a plain <body/> arrives exactly as sent. The profile itself is covered case by case by the golden pairs
// test/xeps/core-chat/in-xhtml-hostile-*.
import t from 'tap';
import { parse, type Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';

const prosody = await startProsody({ users: 2 });
const gw = await startGateway(prosody);
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];

const XHTML_IM = 'http://jabber.org/protocol/xhtml-im';
const XHTML = 'http://www.w3.org/1999/xhtml';
const HOSTILE =
  '<p onclick="alert(1)" style="color:red;background:url(https://evil.example/x);width:expression(alert(4))">' +
  '<script>alert(2)</script><a href="javascript:alert(3)" onmouseover="alert(5)">link</a> ' +
  '<img src="data:text/html;base64,PHNjcmlwdD4=" onerror="alert(6)" alt="i"/>' +
  '<a href="https://example.com/">ok</a> &lt;b onclick=x&gt;</p><style>*{display:none}</style><iframe src="https://evil.example"/>';
const CLEAN = '<p style="color:red"><a>link</a> <img alt="i"/><a href="https://example.com/">ok</a> &lt;b onclick=x&gt;</p>';

/** Every element and attribute of a markup string, to check that nothing executable is left. */
function walk(el: Element, out: { names: string[]; attrs: string[] }): void {
  out.names.push(el.name);
  for (const [k, v] of Object.entries(el.attrs)) out.attrs.push(`${k}=${String(v)}`);
  for (const c of el.children) if (typeof c !== 'string') walk(c, out);
}

t.test('a peer sends hostile XHTML-IM: the SSE event carries the sanitised markup', async (t) => {
  const bob = await connectPeer(prosody, bobUser, { presence: true });
  t.teardown(() => bob.stop());
  const alice = await gw.login(aliceUser, { resource: 'gw' });
  const stream = await gw.events({ token: alice.token });
  await stream.nextEvent('xmpp.connection');
  const to = `${aliceUser.jid}/gw`;

  await bob.send(
    parse(
      `<message to="${to}" type="chat" id="hostile-1"><body>link ok</body>` +
        `<html xmlns="${XHTML_IM}"><body xmlns="${XHTML}">${HOSTILE}</body></html></message>`,
    ),
  );
  const e = await stream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'hostile-1');
  t.equal(e.data.format, 'xhtml');
  t.equal(e.data.content, CLEAN, 'reduced to the recommended profile');

  const seen = { names: [] as string[], attrs: [] as string[] };
  walk(parse(`<body>${String(e.data.content)}</body>`), seen);
  t.same(
    seen.names.filter((n) => !['body', 'p', 'a', 'img'].includes(n)),
    [],
    'no script, style or iframe',
  );
  t.same(
    seen.attrs.filter((a) => /^on/i.test(a) || /javascript:|url\(|expression\(|data:text/i.test(a)),
    [],
    'no event attribute, no javascript: or data:text URL, no url() or expression() in style',
  );

  await t.test('a plain body is untouched, markup-like text included', async (t) => {
    const text = '<script>alert(1)</script> & <p onclick="x">';
    await bob.send(
      parse(`<message to="${to}" type="chat" id="plain-1"><body>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</body></message>`),
    );
    const p = await stream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'plain-1');
    t.equal(p.data.format, 'plain');
    t.equal(p.data.content, text, 'exactly the text sent');
  });

  await t.test('XHTML from the gateway to a peer is not rewritten (the peer sanitises what it receives)', async (t) => {
    const res = await gw.post('/v1/chat/message', { to: bob.jid, content: '<p><b>bold</b></p>', format: 'xhtml' }, alice.token);
    t.equal(res.status, 200);
    const msg = await bob.waitFor((s) => s.attrs.id === res.body.id);
    t.equal(msg.getChild('html', XHTML_IM)?.getChild('body', XHTML)?.getChild('p')?.getChildText('b'), 'bold');
  });
});

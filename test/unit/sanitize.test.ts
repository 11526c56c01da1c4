// The XHTML sanitiser's API (src/xmpp/shared/sanitize.ts) as other mappings use it: on ltx nodes and on strings.
// The profile case by case is in the golden pairs test/xeps/core-chat/in-xhtml-hostile-*.
import t from 'tap';
import { type Element, parse } from 'ltx';
import { sanitizeXhtmlChildren, sanitizedXhtmlMarkup, sanitizeXhtmlString, serializeXhtml } from '../../src/xmpp/shared/sanitize.js';

const XHTML = 'http://www.w3.org/1999/xhtml';
const body = (inner: string): Element => parse(`<body xmlns="${XHTML}">${inner}</body>`);

t.test('sanitizeXhtmlChildren returns new, detached ltx nodes of the profile', async (t) => {
  const nodes = sanitizeXhtmlChildren(body('a &lt;b&gt; <p onclick="x">p<script>s</script></p><div>d</div>').children);
  t.equal(nodes.length, 3);
  t.equal(nodes[0], 'a <b> ', 'text stays text (unescaped, as ltx keeps it)');
  const p = nodes[1] as Element;
  t.equal(p.name, 'p');
  t.same(p.attrs, {}, 'no onclick, no xmlns');
  t.equal(p.parent, null, 'detached: can be appended to another element');
  t.same(p.children, ['p'], 'script and its text gone');
  t.equal(nodes[2], 'd', 'an unknown element is dropped, its text kept');
});

t.test('the nodes can be appended elsewhere and serialise as well-formed XML', async (t) => {
  const target = parse(`<content xmlns="${XHTML}"/>`);
  for (const n of sanitizeXhtmlChildren(body('<p>x &amp; y<br/><img src="https://example.com/i.png" alt=""/></p>').children))
    target.cnode(n as Element);
  t.equal(target.toString(), `<content xmlns="${XHTML}"><p>x &amp; y<br/><img src="https://example.com/i.png" alt=""/></p></content>`);
});

t.test('sanitizedXhtmlMarkup is the markup string of the nodes; text is escaped', async (t) => {
  t.equal(
    sanitizedXhtmlMarkup(body('&lt;img src=x onerror=alert(1)&gt;<em>e</em>').children),
    '&lt;img src=x onerror=alert(1)&gt;<em>e</em>',
  );
  t.equal(serializeXhtml(['<&>']), '&lt;&amp;&gt;');
});

t.test('sanitizeXhtmlString works on a markup string', async (t) => {
  t.equal(sanitizeXhtmlString('<a href="javascript:alert(1)" title="t">x</a>'), '<a title="t">x</a>');
  t.equal(sanitizeXhtmlString('<a href="https://example.com/">x</a>'), '<a href="https://example.com/">x</a>');
  t.equal(sanitizeXhtmlString('<span style="color:blue;position:fixed">s</span>'), '<span style="color:blue">s</span>');
  t.equal(sanitizeXhtmlString(''), '');
});

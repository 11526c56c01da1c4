// The item parser (src/xmpp/shared/items.ts, docs/items.md): golden pairs for every payload kind both
// ways (test/fixtures/items/<kind>.xml + <kind>.json), what other writers send, hostile markup, unknown
// payloads kept losslessly, bad content refused with a client error, and the ItemContent schema.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify';
import { createElement, parse } from 'ltx';
import t, { type Test } from 'tap';
import { GatewayError } from '../../src/errors.js';
import { ajvOptions, describeValidation } from '../../src/http/validation.js';
import { ITEM_CONTENT_MESSAGES, ITEM_LIMITS, ItemContent, type ItemContentT, ItemEntry } from '../../src/schemas/item.js';
import { buildItemPayload, parseItemPayload } from '../../src/xmpp/shared/items.js';
import { sanitizeXhtmlString } from '../../src/xmpp/shared/sanitize.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dir = path.join(root, 'test', 'fixtures', 'items');
const PUBSUB = 'http://jabber.org/protocol/pubsub';
const EVENT = 'http://jabber.org/protocol/pubsub#event';

function itemXml(content: ItemContentT, ns = PUBSUB): string {
  const item = createElement('item', { xmlns: ns });
  for (const e of buildItemPayload(content)) item.cnode(e);
  return item.toString();
}
const parsed = (xml: string) => parseItemPayload(parse(xml));
const wrap = (payload: string, ns = EVENT) => `<item xmlns="${ns}" id="1">${payload}</item>`;

function clientError(t: Test, fn: () => unknown, message: string | RegExp, name: string): void {
  try {
    fn();
    t.fail(`${name}: no error`);
  } catch (e) {
    t.ok(e instanceof GatewayError, `${name}: a GatewayError`);
    if (!(e instanceof GatewayError)) return;
    t.equal(e.status, 400, `${name}: 400`);
    t.equal(e.body.condition, 'client-error', `${name}: client-error`);
    if (typeof message === 'string') t.equal(e.body.description, message, `${name}: message`);
    else t.match(e.body.description ?? '', message, `${name}: message`);
  }
}

const ajv = new Ajv({ addUsedSchema: false, ...ajvOptions.customOptions });
addFormats.default(ajv);
const validateContent = ajv.compile({
  type: 'object',
  properties: { content: ItemContent },
  required: ['content'],
  additionalProperties: false,
});
const validateEntry = ajv.compile(ItemEntry);
function schemaMessage(content: unknown): string | undefined {
  if (validateContent({ content })) return undefined;
  // ajv's ErrorObject is the shape fastify hands to describeValidation (FastifySchemaValidationError).
  return describeValidation((validateContent.errors ?? []) as FastifySchemaValidationError[], ITEM_CONTENT_MESSAGES).description;
}

const kinds = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

t.test('golden pairs: every payload kind both ways', async (t) => {
  t.ok(kinds.length >= 15, `${kinds.length} kinds`);
  for (const kind of kinds) {
    const json = JSON.parse(readFileSync(path.join(dir, `${kind}.json`), 'utf8')) as ItemContentT;
    const xml = readFileSync(path.join(dir, `${kind}.xml`), 'utf8').trim();
    t.strictSame(parsed(xml), json, `${kind}: XML → JSON`);
    t.equal(itemXml(json), xml, `${kind}: JSON → XML (byte-equal)`);
    t.ok(validateContent({ content: json }), `${kind}: the JSON is valid content`);
    t.ok(validateEntry(json), `${kind}: the JSON is a valid entry`);
    // What a notification carries (pubsub#event) parses the same.
    t.strictSame(parsed(xml.replace(`xmlns="${PUBSUB}"`, `xmlns="${EVENT}"`)), json, `${kind}: in a pubsub#event item`);
  }
});

t.test('XMPP-FTW compatibility: shorter input forms', async (t) => {
  t.equal(itemXml('Hello'), `<item xmlns="${PUBSUB}"><body>Hello</body></item>`, 'a string is a plain body');
  t.strictSame(parsed(itemXml('Hello')), { body: 'Hello' });
  t.equal(
    itemXml({ atom: { content: 'Posting from XMPP-FTW' }, 'in-reply-to': { ref: '1234-5678' } }),
    `<item xmlns="${PUBSUB}"><entry xmlns="http://www.w3.org/2005/Atom"><content>Posting from XMPP-FTW</content>` +
      `<in-reply-to xmlns="http://purl.org/syndication/thread/1.0" ref="1234-5678"/></entry></item>`,
    'the buddycloud reply example of the manual',
  );
  const authors = { atom: { author: [{ name: 'A' }, { name: 'B' }] } };
  t.strictSame(
    parsed(itemXml(authors)),
    { atom: { author: { name: 'A' }, authors: [{ name: 'A' }, { name: 'B' }] } },
    'author as an array',
  );
  t.strictSame(parsed(itemXml({ atom: { author: { name: 'A' } } })), { atom: { author: { name: 'A' } } }, 'one author: no authors key');
  t.strictSame(
    parsed(itemXml({ atom: { categories: ['a', 'b'] } })),
    { atom: { categories: [{ term: 'a' }, { term: 'b' }] } },
    'categories as terms',
  );
  t.strictSame(parsed(itemXml({ media: ['m'] })), { atom: {}, media: ['m'] }, 'media alone creates the entry');
});

t.test('what other writers send', async (t) => {
  // XMPP-FTW and buddycloud wrote prefixes declared on the entry, and the target's object-type in the Atom namespace.
  const post =
    `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0" xmlns:activity="http://activitystrea.ms/spec/1.0/">` +
    `<id>tag:c.example,/user/a@example.com/posts,2</id><title>Post</title><content type="text">hi</content>` +
    `<author><name>a@example.com</name><activity:object-type>person</activity:object-type></author>` +
    `<thr:in-reply-to ref="1"/><activity:verb>comment</activity:verb>` +
    `<activity:object><activity:object-type>comment</activity:object-type></activity:object>` +
    `<activity:target><id>1</id><object-type>note</object-type></activity:target></entry>`;
  t.strictSame(parsed(wrap(post)), {
    atom: {
      id: 'tag:c.example,/user/a@example.com/posts,2',
      title: 'Post',
      content: { content: 'hi', type: 'text' },
      author: { name: 'a@example.com' },
    },
    'in-reply-to': { ref: '1' },
    activity: {
      verb: 'comment',
      object: { 'object-type': 'comment' },
      target: { id: '1', 'object-type': 'note' },
      author: { 'object-type': 'person' },
    },
  });
  t.strictSame(parsed(wrap('<body>plain</body>')), { body: 'plain' }, 'body inheriting the pubsub#event namespace');
  t.strictSame(parsed(wrap('<body xmlns="jabber:client">plain</body>')), { body: 'plain' }, 'body in jabber:client');
  t.strictSame(
    parsed(wrap(`<body xmlns="${PUBSUB}">plain</body>`)),
    { body: 'plain' },
    'body keeping the publishing item’s #pubsub namespace in a notification (what Prosody sends)',
  );
  t.strictSame(
    parsed(wrap('<body xmlns="urn:example:other">plain</body>')),
    { raw: '<body xmlns="urn:example:other">plain</body>' },
    'a body in a namespace of its own is not plain text',
  );
  t.strictSame(parsed(wrap('')), {}, 'no payload: {}');
  t.strictSame(
    parsed(wrap('<tune xmlns="http://jabber.org/protocol/tune"><length>x</length><title>T</title></tune>')),
    { tune: { title: 'T' } },
    'a length that is not a number is left out',
  );
  t.strictSame(
    parsed(wrap('<geoloc xmlns="http://jabber.org/protocol/geoloc"><lat>north</lat><lon>1e1</lon></geoloc>')),
    { geoloc: { lon: 10 } },
    'a decimal that is not a number is left out',
  );
  t.strictSame(
    parsed(wrap('<entry xmlns="http://www.w3.org/2005/Atom"><content type="application/xml"><x xmlns="urn:x">1</x></content></entry>')),
    { atom: { content: { content: '<x xmlns="urn:x">1</x>', type: 'application/xml' } } },
    'XML content of another type is kept as markup',
  );
  t.equal(
    itemXml({ atom: { content: { content: '<x xmlns="urn:x">1</x>', type: 'application/xml' } } }),
    `<item xmlns="${PUBSUB}"><entry xmlns="http://www.w3.org/2005/Atom"><content type="application/xml"><x xmlns="urn:x">1</x></content></entry></item>`,
    'and built as markup',
  );
  t.strictSame(
    parsed(
      wrap(
        '<entry xmlns="http://www.w3.org/2005/Atom"><content type="xhtml"><p xmlns="http://www.w3.org/1999/xhtml">no div</p></content></entry>',
      ),
    ),
    { atom: { content: { content: '<div xmlns="http://www.w3.org/1999/xhtml"><p>no div</p></div>', type: 'xhtml' } } },
    'XHTML content without its div gets one',
  );
  t.equal(
    itemXml({ atom: { content: { type: 'xhtml', content: '<p>bare</p> markup' } } }),
    `<item xmlns="${PUBSUB}"><entry xmlns="http://www.w3.org/2005/Atom"><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>bare</p> markup</div></content></entry></item>`,
    'XHTML built from markup without the div',
  );
});

t.test('unknown payloads are kept, never dropped', async (t) => {
  const xml = wrap('<event xmlns="urn:example:cal"><when a="1&amp;2">x &lt; y</when></event>');
  const entry = parsed(xml);
  t.strictSame(entry, { raw: '<event xmlns="urn:example:cal"><when a="1&amp;2">x &lt; y</when></event>' });
  t.equal(
    itemXml(entry, EVENT),
    `<item xmlns="${EVENT}"><event xmlns="urn:example:cal"><when a="1&amp;2">x &lt; y</when></event></item>`,
    'round trip',
  );
  t.strictSame(
    parsed(wrap('<thing><sub/></thing>', 'urn:outer')),
    { raw: '<thing xmlns="urn:outer"><sub/></thing>' },
    'an inherited namespace is written out',
  );
  const georss = wrap(
    '<entry xmlns="http://www.w3.org/2005/Atom" xmlns:georss="http://www.georss.org/georss"><title>t</title><georss:point>45 -71</georss:point></entry>',
  );
  const withPrefix = parsed(georss);
  t.strictSame(
    withPrefix,
    { atom: { title: 't', raw: '<georss:point xmlns:georss="http://www.georss.org/georss">45 -71</georss:point>' } },
    'a prefix declared on the entry is written out',
  );
  t.strictSame(parsed(itemXml(withPrefix)), withPrefix, 'and round-trips');
  t.strictSame(
    parsed(wrap('<thing/>', 'urn:a&lt;b&quot;c')),
    { raw: '<thing xmlns="urn:a&lt;b&quot;c"/>' },
    'an inherited namespace with markup characters is escaped',
  );
  t.strictSame(
    parsed(wrap('<json xmlns="urn:xmpp:json:0">{not json</json>')),
    { raw: '<json xmlns="urn:xmpp:json:0">{not json</json>' },
    'JSON that does not parse is kept as raw',
  );
  t.strictSame(
    parsed(wrap('<body><b>markup</b></body>')),
    { raw: `<body xmlns="${EVENT}"><b>markup</b></body>` },
    'a body with markup is kept as raw',
  );
  t.strictSame(
    parsed(wrap('<body xmlns="http://www.w3.org/1999/xhtml">x</body>')),
    { raw: '<body xmlns="http://www.w3.org/1999/xhtml">x</body>' },
    'an XHTML body is not a plain body',
  );
  t.strictSame(
    parsed(wrap('<tune xmlns="http://jabber.org/protocol/tune"/><tune xmlns="http://jabber.org/protocol/tune"><title>2</title></tune>')),
    { tune: {}, raw: '<tune xmlns="http://jabber.org/protocol/tune"><title>2</title></tune>' },
    'a second payload of a kind is kept as raw',
  );
});

t.test('hostile markup is sanitised both ways', async (t) => {
  const hostile =
    '<p onclick="steal()" style="color:red">Hi<script>alert(1)</script><style>p{}</style>' +
    '<a href="javascript:alert(1)">j</a><a href="https://ok.example/" onmouseover="x()">ok</a>' +
    '<img src="data:text/html;base64,PHNjcmlwdD4="/><img src="data:image/png;base64,AAAA"/>' +
    '<iframe src="https://evil.example/"></iframe><object data="x"></object></p>';
  // XEP-0071 §7 allows the color property; an image whose source was refused keeps no src.
  const clean = '<p style="color:red">Hi<a>j</a><a href="https://ok.example/">ok</a><img /><img src="data:image/png;base64,AAAA" /></p>';
  t.equal(sanitizeXhtmlString(hostile), clean, 'the XEP-0071 profile');
  const inXhtml = parsed(
    wrap(
      `<entry xmlns="http://www.w3.org/2005/Atom"><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">${hostile}</div></content></entry>`,
    ),
  );
  t.strictSame(
    inXhtml,
    { atom: { content: { content: `<div xmlns="http://www.w3.org/1999/xhtml">${clean}</div>`, type: 'xhtml' } } },
    'received XHTML content',
  );
  const escaped = hostile.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  t.strictSame(
    parsed(wrap(`<entry xmlns="http://www.w3.org/2005/Atom"><content type="html">${escaped}</content></entry>`)),
    { atom: { content: { content: clean, type: 'html' } } },
    'received HTML content',
  );
  const built = itemXml({ atom: { content: { type: 'xhtml', content: hostile } } });
  t.notMatch(built, /script|onclick|onmouseover|javascript|iframe|<style|data:text/, 'published XHTML content');
  t.match(built, /<a href="https:\/\/ok.example\/">ok<\/a>/, 'the safe part is kept');
  const builtHtml = itemXml({ atom: { content: { type: 'HTML', content: hostile } } });
  t.notMatch(builtHtml, /script|onclick|javascript|iframe/, 'published HTML content (type is case-insensitive)');
  t.equal(
    sanitizeXhtmlString('<a href="xmpp:a@b">x</a><a href="mailto:a@b">m</a><a href="//evil">p</a>'),
    '<a href="xmpp:a@b">x</a><a href="mailto:a@b">m</a><a>p</a>',
    'link schemes',
  );
  t.equal(
    sanitizeXhtmlString('<svg><text>s</text><script>1</script></svg><math><mi>m</mi></math><iframe>i</iframe><object><p>o</p></object>x'),
    'x',
    'foreign markup and frames',
  );
  t.equal(sanitizeXhtmlString('<div><u>kept</u> text</div>'), 'kept text', 'other elements: their text is kept');
  t.equal(
    itemXml({ atom: { content: { type: 'xhtml', content: '<p>a<iframe src="https://evil.example/"/>b<span/>c</p>' } } }),
    `<item xmlns="${PUBSUB}"><entry xmlns="http://www.w3.org/2005/Atom"><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>ab<span/>c</p></div></content></entry></item>`,
    'an empty XHTML element does not swallow what follows it',
  );
  // The markup is read as XML: an HTML-only entity is text, escaped.
  t.equal(sanitizeXhtmlString('a &amp; &lt;b&gt; &nbsp;'), 'a &amp; &lt;b&gt; &amp;nbsp;', 'entities stay XML-safe');
  // Text content is never markup: it is escaped on the wire and reported as text.
  t.strictSame(parsed(itemXml({ atom: { title: '<script>x</script>' } })), { atom: { title: '<script>x</script>' } }, 'titles are text');
  t.match(itemXml({ atom: { title: '<script>x</script>' } }), /<title>&lt;script&gt;x&lt;\/script&gt;<\/title>/);
});

t.test('nothing received makes the parser throw', async (t) => {
  const deep = '<span>'.repeat(500) + 'x' + '</span>'.repeat(500);
  const cases = [
    `<entry xmlns="http://www.w3.org/2005/Atom"><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">${deep}</div></content></entry>`,
    `<entry xmlns="http://www.w3.org/2005/Atom"><content type="html">&lt;p&lt;&lt;/&gt;&lt;!--</content><content type="xhtml"/></entry>`,
    `<entry xmlns="http://www.w3.org/2005/Atom"><content type="xhtml">text only</content><author/><link/><category/></entry>`,
    `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0"><thr:in-reply-to/></entry>`,
    `<json xmlns="urn:xmpp:json:0">${'['.repeat(2000)}</json>`,
    `<tune xmlns="http://jabber.org/protocol/tune"><length>99999999999999999999</length></tune>`,
    `<weird xmlns="urn:a&lt;b"><x:y xmlns:x="urn:&quot;"/></weird>`,
  ];
  for (const payload of cases) {
    let entry: unknown;
    t.doesNotThrow(() => (entry = parsed(wrap(payload))), payload.slice(0, 60));
    t.ok(validateEntry(entry), `valid entry: ${payload.slice(0, 60)}`);
  }
  t.strictSame(
    parsed(wrap(cases[3] ?? '')),
    { atom: { raw: '<thr:in-reply-to xmlns:thr="http://purl.org/syndication/thread/1.0"/>' } },
    'an in-reply-to without ref is kept as raw',
  );
  t.strictSame(
    parsed(wrap(cases[2] ?? '')),
    {
      atom: {
        content: { content: '<div xmlns="http://www.w3.org/1999/xhtml">text only</div>', type: 'xhtml' },
        links: [{}],
        author: {},
        raw: '<category xmlns="http://www.w3.org/2005/Atom"/>',
      },
    },
    'a category without term is kept as raw',
  );
  t.strictSame(
    parsed(
      wrap(
        '<entry xmlns="http://www.w3.org/2005/Atom"><in-reply-to xmlns="http://purl.org/syndication/thread/1.0" ref="a"/><in-reply-to xmlns="http://purl.org/syndication/thread/1.0" ref="b"/></entry>',
      ),
    ),
    { atom: { raw: '<in-reply-to xmlns="http://purl.org/syndication/thread/1.0" ref="b"/>' }, 'in-reply-to': { ref: 'a' } },
    'a second in-reply-to is kept as raw',
  );
  const span = parsed(wrap(cases[0] ?? '')).atom?.content?.content ?? '';
  t.equal(span, `<div xmlns="http://www.w3.org/1999/xhtml">${deep}</div>`, 'deep allowed markup is kept');
});

t.test('bad content is a client error with a message', async (t) => {
  clientError(t, () => buildItemPayload(''), 'Missing message content', 'empty string');
  clientError(t, () => buildItemPayload({}), 'Missing message content', 'empty object');
  clientError(t, () => buildItemPayload({ raw: '<a><b></a>' }), /^'raw' is not well-formed XML/, 'raw not XML');
  clientError(t, () => buildItemPayload({ raw: 'text <a/>' }), "'raw' must hold XML elements only, no text outside them", 'raw with text');
  clientError(
    t,
    () => buildItemPayload({ raw: '<a>'.repeat(40) + '</a>'.repeat(40) }),
    `'raw' is nested too deeply (at most ${ITEM_LIMITS.depth} levels)`,
    'raw too deep',
  );
  clientError(t, () => buildItemPayload({ atom: { raw: '<a' } }), /^'atom.raw' is not well-formed XML/, 'atom.raw not XML');
  clientError(
    t,
    () => buildItemPayload({ atom: { content: { type: 'xhtml', content: '<p>unclosed' } } }),
    /^'atom.content.content' is not well-formed XML/,
    'XHTML not XML',
  );
  clientError(
    t,
    () => buildItemPayload({ atom: { content: { type: 'application/xml', content: 'text' } } }),
    /no text outside/,
    'XML content with text',
  );
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  clientError(
    t,
    () => buildItemPayload({ json: deep }),
    `'json' is nested too deeply (at most ${ITEM_LIMITS.depth} levels)`,
    'json too deep',
  );
  clientError(t, () => buildItemPayload({ json: { a: 'x'.repeat(ITEM_LIMITS.text) } }), /^'json' is too long/, 'json too long');
  clientError(
    t,
    () => buildItemPayload('x'.repeat(ITEM_LIMITS.text + 1)),
    `'content' is too long (at most ${ITEM_LIMITS.text} characters)`,
    'string too long',
  );
  clientError(
    t,
    () => buildItemPayload({ atom: { summary: 'x'.repeat(ITEM_LIMITS.text + 1) } }),
    `'atom.summary' is too long (at most ${ITEM_LIMITS.text} characters)`,
    'summary too long',
  );
  const many = Array.from({ length: ITEM_LIMITS.list + 1 }, (_, i) => ({ name: `p${i}` }));
  clientError(
    t,
    () => buildItemPayload({ atom: { author: many } }),
    `'atom.authors' has too many entries (at most ${ITEM_LIMITS.list})`,
    'too many authors',
  );
  clientError(
    t,
    () => buildItemPayload({ media: many.map((p) => p.name) }),
    `'media' has too many entries (at most ${ITEM_LIMITS.list})`,
    'too many media',
  );
  t.doesNotThrow(() => buildItemPayload({ json: null }), 'json null is a value');
  t.equal(itemXml({ json: null }), `<item xmlns="${PUBSUB}"><json xmlns="urn:xmpp:json:0">null</json></item>`);
});

t.test('the ItemContent schema reports each mistake at its key', async (t) => {
  t.equal(schemaMessage('text'), undefined, 'a string');
  t.equal(schemaMessage({ atom: { content: 'c', author: [{ name: 'a' }], categories: ['x', { term: 'y' }] } }), undefined, 'short forms');
  t.equal(schemaMessage(5), "'content' must be a string or an object");
  t.equal(schemaMessage(null), "'content' must be a string or an object");
  t.equal(schemaMessage(['a']), "'content' must be a string or an object");
  t.equal(schemaMessage('x'.repeat(ITEM_LIMITS.text + 1)), `'content' is too long (at most ${ITEM_LIMITS.text} characters)`);
  t.equal(schemaMessage(''), undefined, "'' passes the schema (the builder says Missing message content)");
  t.equal(schemaMessage({ atom: { title: 5 } }), "'content.atom.title' must be a string");
  t.equal(schemaMessage({ atom: { titel: 'x' } }), "Unknown key 'content.atom.titel'");
  t.equal(schemaMessage({ video: {} }), "Unknown key 'content.video'");
  t.equal(schemaMessage({ tune: { length: '3' } }), "'content.tune.length' must be an integer");
  t.equal(schemaMessage({ 'in-reply-to': {} }), "Missing 'ref' key");
  t.equal(
    schemaMessage({ atom: { links: [{ href: 'x'.repeat(ITEM_LIMITS.short + 1) }] } }),
    `'content.atom.links.0.href' is too long (at most ${ITEM_LIMITS.short} characters)`,
  );
  t.equal(
    schemaMessage({ atom: { contributors: Array.from({ length: ITEM_LIMITS.list + 1 }, () => ({})) } }),
    `'content.atom.contributors' has too many entries (at most ${ITEM_LIMITS.list})`,
  );
  t.equal(schemaMessage({ json: { any: ['thing', 1, null] } }), undefined, 'json takes any value');
  const long = {
    atom: { title: 'x'.repeat(ITEM_LIMITS.short + 1), links: Array.from({ length: ITEM_LIMITS.list + 1 }, () => ({ href: 'h' })) },
  };
  t.ok(validateEntry(long), 'a received entry is reported whatever its size (the limits are for publishing)');
});

// The item parser (XMPP-FTW's xmpp-ftw-item-parser; the JSON of every kind is in docs/items.md): the
// payload of a publish-subscribe <item/> (XEP-0060 §7.1) both ways. Atom entries (RFC 4287) with
// threading (RFC 4685), Activity Streams 1.0, reviews and buddycloud media; user tune (XEP-0118), user
// location (XEP-0080), JSON containers (XEP-0335) and a plain <body/>. Anything else is kept as XML
// text under `raw`, never dropped. Markup that a browser could render (Atom html/xhtml content) is
// sanitised both ways (src/xmpp/shared/sanitize.ts).
import { type Element, createElement, escapeXMLText, parse } from 'ltx';
import { errors } from '../../errors.js';
import { ITEM_LIMITS, type ItemContentObject, type ItemContentT, type ItemEntryT } from '../../schemas/item.js';
import { type Field, type Mapping, appendChild, at, attr, child, childAttrs, childText, children, define, int } from '../mapping-kit.js';
import { sanitizeXhtmlString } from './sanitize.js';

export const ITEM_NS = {
  atom: 'http://www.w3.org/2005/Atom',
  thread: 'http://purl.org/syndication/thread/1.0',
  activity: 'http://activitystrea.ms/spec/1.0/',
  review: 'http://activitystrea.ms/schema/1.0/review',
  bcMedia: 'http://buddycloud.org/v1/media',
  tune: 'http://jabber.org/protocol/tune',
  geoloc: 'http://jabber.org/protocol/geoloc',
  json: 'urn:xmpp:json:0',
  xhtml: 'http://www.w3.org/1999/xhtml',
} as const;

type Entry = ItemEntryT;
type Atom = NonNullable<Entry['atom']>;
type AtomIn = NonNullable<ItemContentObject['atom']>;
type Person = NonNullable<Atom['author']>;

// ---------------------------------------------------------------------------------------------
// Small fields the kit does not have

/** A decimal (XEP-0080's xs:decimal) in text form; anything else reads as absent. */
const decimal = (field: Field<string>): Field<number> => ({
  read: (el) => {
    const raw = field.read(el)?.trim();
    return raw !== undefined && /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : undefined;
  },
  write: (el, value) => field.write(el, String(value)),
});

/** Read in any namespace (XMPP-FTW wrote some Activity Streams children in the Atom namespace), written in `ns`. */
const anyNsText = (name: string, ns: string): Field<string> => ({ read: childText(name).read, write: childText(name, ns).write });

/** A mapping over the same element, reported as one key (absent when it found nothing). */
/** Repeated children written without repeating the parent's namespace (the kit's children() always writes xmlns). */
const childList = <R extends object>(mapping: Mapping<R>): Field<R[]> => ({
  read: children(mapping).read,
  write: (el, values) => {
    for (const v of values) mapping.fill(appendChild(el, mapping.name, mapping.ns), v);
  },
});

const merged = <R extends object, W extends object>(mapping: Mapping<R, W>): Field<R, W> => ({
  read: (el) => {
    const out = mapping.parse(el);
    return Object.keys(out).length > 0 ? out : undefined;
  },
  write: (el, value) => {
    mapping.fill(el, value);
  },
});

// ---------------------------------------------------------------------------------------------
// Declarative parts

const person = (name: string) =>
  define<Person>(name, ITEM_NS.atom, {
    name: childText('name', ITEM_NS.atom),
    uri: childText('uri', ITEM_NS.atom),
    email: childText('email', ITEM_NS.atom),
    id: childText('id', ITEM_NS.atom),
  });
const authorMapping = person('author');
const contributorMapping = person('contributor');

const linkMapping = define<NonNullable<Atom['links']>[number]>('link', ITEM_NS.atom, {
  href: attr('href'),
  rel: attr('rel'),
  type: attr('type'),
  title: attr('title'),
  hreflang: attr('hreflang'),
  length: attr('length'),
});

const categoryMapping = define<NonNullable<Atom['categories']>[number]>('category', ITEM_NS.atom, {
  term: attr('term'),
  scheme: attr('scheme'),
  label: attr('label'),
});

const inReplyToMapping = define<NonNullable<Entry['in-reply-to']>>('in-reply-to', ITEM_NS.thread, {
  ref: attr('ref'),
  href: attr('href'),
  type: attr('type'),
});

const activityObject = (name: string) =>
  define<NonNullable<NonNullable<Entry['activity']>['object']>>(name, ITEM_NS.activity, {
    id: childText('id', ITEM_NS.atom),
    'object-type': anyNsText('object-type', ITEM_NS.activity),
  });

/** Activity Streams 1.0 (Atom serialisation): children of the entry, and the author's object-type. */
const activityMapping = define<NonNullable<Entry['activity']>>('entry', ITEM_NS.atom, {
  verb: childText('verb', ITEM_NS.activity),
  object: child(activityObject('object')),
  target: child(activityObject('target')),
  author: merged(
    define<{ 'object-type'?: string }>('author', ITEM_NS.atom, {
      'object-type': at([['author', ITEM_NS.atom]], childText('object-type', ITEM_NS.activity)),
    }),
  ),
});

const reviewMapping = define<NonNullable<Entry['review']>>('entry', ITEM_NS.atom, {
  rating: int(childText('rating', ITEM_NS.review)),
});

/** The keys XMPP-FTW reports beside `atom` though they live inside the Atom entry. */
const entryExtras = define<Pick<Entry, 'in-reply-to' | 'activity' | 'review' | 'media'>>('entry', ITEM_NS.atom, {
  'in-reply-to': {
    // The first one with its required ref (RFC 4685 §3); one without is kept in atom.raw.
    read: (el) => {
      const first = el.getChildren('in-reply-to', ITEM_NS.thread).find((c) => c.attrs.ref !== undefined);
      return first ? inReplyToMapping.parse(first) : undefined;
    },
    write: child(inReplyToMapping).write,
  },
  activity: merged(activityMapping),
  review: merged(reviewMapping),
  media: at([['media', ITEM_NS.bcMedia]], childAttrs('item', ITEM_NS.bcMedia, 'id')),
});

/** Children of an entry that some field above reads: everything else goes to `atom.raw`. */
const ENTRY_CHILDREN: ReadonlyArray<readonly [string, string]> = [
  ...(['id', 'title', 'summary', 'published', 'updated', 'content', 'link', 'author', 'contributor', 'category'] as const).map(
    (n) => [n, ITEM_NS.atom] as const,
  ),
  ['in-reply-to', ITEM_NS.thread],
  ['verb', ITEM_NS.activity],
  ['object', ITEM_NS.activity],
  ['target', ITEM_NS.activity],
  ['rating', ITEM_NS.review],
  ['media', ITEM_NS.bcMedia],
];

const tuneMapping = define<NonNullable<Entry['tune']>>('tune', ITEM_NS.tune, {
  artist: childText('artist', ITEM_NS.tune),
  length: int(childText('length', ITEM_NS.tune)),
  rating: int(childText('rating', ITEM_NS.tune)),
  source: childText('source', ITEM_NS.tune),
  title: childText('title', ITEM_NS.tune),
  track: childText('track', ITEM_NS.tune),
  uri: childText('uri', ITEM_NS.tune),
});

const g = (name: string) => childText(name, ITEM_NS.geoloc);
const geolocMapping = define<NonNullable<Entry['geoloc']>>('geoloc', ITEM_NS.geoloc, {
  accuracy: decimal(g('accuracy')),
  alt: decimal(g('alt')),
  altaccuracy: decimal(g('altaccuracy')),
  area: g('area'),
  bearing: decimal(g('bearing')),
  building: g('building'),
  country: g('country'),
  countrycode: g('countrycode'),
  datum: g('datum'),
  description: g('description'),
  error: decimal(g('error')),
  floor: g('floor'),
  lat: decimal(g('lat')),
  locality: g('locality'),
  lon: decimal(g('lon')),
  postalcode: g('postalcode'),
  region: g('region'),
  room: g('room'),
  speed: decimal(g('speed')),
  street: g('street'),
  text: g('text'),
  timestamp: g('timestamp'),
  tzo: g('tzo'),
  uri: g('uri'),
});

// ---------------------------------------------------------------------------------------------
// Markup: XML text, raw payloads, sanitised content

/** A deep copy (without parsing: nothing here can throw on what came from the wire). */
function copyOf(el: Element): Element {
  const copy = createElement(el.name, { ...el.attrs });
  for (const c of el.children) {
    if (typeof c === 'string') copy.children.push(c);
    else copy.cnode(copyOf(c));
  }
  return copy;
}

/** The XML text of nodes; an element that inherits its namespace gets it written out, so the text stands alone. */
function xmlOf(nodes: ReadonlyArray<Element | string>): string {
  return nodes
    .map((n) => {
      if (typeof n === 'string') return escapeXMLText(n);
      // The declaration an element relies on from an ancestor: xmlns, or xmlns:prefix for a prefixed name.
      const prefix = n.name.includes(':') ? n.name.slice(0, n.name.indexOf(':')) : undefined;
      const decl = prefix === undefined ? 'xmlns' : `xmlns:${prefix}`;
      const ns = n.getNS();
      if (n.attrs[decl] === undefined && ns !== undefined) {
        const copy = copyOf(n);
        copy.attrs = { [decl]: ns, ...copy.attrs };
        return copy.toString();
      }
      return n.toString();
    })
    .join('');
}

function depthOf(el: Element): number {
  let max = 0;
  for (const c of el.getChildElements()) max = Math.max(max, depthOf(c));
  return max + 1;
}

/** Parses markup that may hold several elements and text; the wrapper's children are returned. */
function parseFragment(xml: string, key: string, wrapper = '<x>', close = '</x>'): Element {
  let root: Element;
  try {
    root = parse(`${wrapper}${xml}${close}`);
  } catch (e) {
    throw errors.clientError(`'${key}' is not well-formed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (depthOf(root) > ITEM_LIMITS.depth + 1)
    throw errors.clientError(`'${key}' is nested too deeply (at most ${ITEM_LIMITS.depth} levels)`);
  return root;
}

/** Unknown elements from a client's `raw`: elements only (whitespace between them is dropped). */
function rawElements(xml: string, key: string): Element[] {
  const root = parseFragment(xml, key);
  if (root.children.some((c) => typeof c === 'string' && c.trim() !== '')) {
    throw errors.clientError(`'${key}' must hold XML elements only, no text outside them`);
  }
  return root.getChildElements().map((c) => {
    c.parent = null;
    return c;
  });
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** XML text an HTML parser reads the same way: empty elements other than HTML's void ones are written open and closed. */
function htmlSafeXmlOf(nodes: ReadonlyArray<Element | string>): string {
  const open = (el: Element): void => {
    if (el.children.length === 0 && !VOID.has(el.name.toLowerCase())) el.children.push('');
    for (const c of el.getChildElements()) open(c);
  };
  const copies = nodes.map((n) => {
    if (typeof n === 'string') return n;
    const copy = copyOf(n);
    copy.parent = n.parent; // so the copy resolves the namespaces it inherits
    open(copy);
    return copy;
  });
  return xmlOf(copies);
}

const DIV_OPEN = `<div xmlns="${ITEM_NS.xhtml}">`;

/** XHTML content: one XHTML div (RFC 4287 §4.1.3.3) holding the sanitised markup. */
function sanitisedXhtmlDiv(innerXml: string): string {
  return `${DIV_OPEN}${sanitizeXhtmlString(innerXml)}</div>`;
}

function parseContent(el: Element): NonNullable<Atom['content']> {
  const type = el.attrs.type;
  const kind = (type ?? 'text').toLowerCase();
  let content: string;
  if (kind === 'xhtml') {
    const div = el.getChild('div', ITEM_NS.xhtml);
    content = sanitisedXhtmlDiv(htmlSafeXmlOf(div ? div.children : el.children));
  } else if (kind === 'html') content = sanitizeXhtmlString(el.getText());
  else if (el.getChildElements().length > 0) content = xmlOf(el.children);
  else content = el.getText();
  const out: NonNullable<Atom['content']> = { content };
  if (type !== undefined) out.type = type;
  if (el.attrs['xml:lang'] !== undefined) out.lang = el.attrs['xml:lang'];
  if (el.attrs['xml:base'] !== undefined) out.base = el.attrs['xml:base'];
  if (el.attrs.src !== undefined) out.src = el.attrs.src;
  return out;
}

function buildContent(entry: Element, value: NonNullable<AtomIn['content']>): void {
  const c = typeof value === 'string' ? { content: value } : value;
  const attrs: Record<string, string> = {};
  if (c.type !== undefined) attrs.type = c.type;
  if (c.lang !== undefined) attrs['xml:lang'] = c.lang;
  if (c.base !== undefined) attrs['xml:base'] = c.base;
  if (c.src !== undefined) attrs.src = c.src;
  const el = appendChild(entry, 'content', ITEM_NS.atom, attrs);
  const kind = (c.type ?? 'text').toLowerCase();
  if (kind === 'xhtml') {
    const root = parseFragment(c.content, 'atom.content.content');
    const only = root.getChildElements();
    const first = only[0];
    const isDiv = only.length === 1 && first !== undefined && first.name === 'div' && first.getNS() === ITEM_NS.xhtml;
    const textOutside = root.children.some((n) => typeof n === 'string' && n.trim() !== '');
    const inner = htmlSafeXmlOf(isDiv && !textOutside ? first.children : root.children);
    // The sanitiser returns one <div/> (never text), so the fragment's root is an Element.
    el.cnode(parseFragment(sanitisedXhtmlDiv(inner), 'atom.content.content', '', '') as Element);
  } else if (kind === 'html') {
    el.t(sanitizeXhtmlString(c.content));
  } else if (kind !== 'text' && /[/+]xml$/.test(kind)) {
    // An XML MIME type (RFC 4287 §4.1.3.3 item 4): the content is markup.
    for (const e of rawElements(c.content, 'atom.content.content')) el.cnode(e);
  } else {
    el.t(c.content);
  }
}

// ---------------------------------------------------------------------------------------------
// Atom

const TEXTS = ['id', 'title', 'summary', 'published', 'updated'] as const;

function parseAtom(entry: Element): Atom {
  const out: Atom = {};
  for (const name of TEXTS) {
    const el = entry.getChild(name, ITEM_NS.atom);
    if (el) out[name] = el.getText();
  }
  const content = entry.getChild('content', ITEM_NS.atom);
  if (content) out.content = parseContent(content);
  const links = childList(linkMapping).read(entry);
  if (links) out.links = links;
  const authors = childList(authorMapping).read(entry);
  if (authors?.[0]) {
    out.author = authors[0];
    if (authors.length > 1) out.authors = authors;
  }
  const contributors = childList(contributorMapping).read(entry);
  if (contributors) out.contributors = contributors;
  const categories = childList(categoryMapping)
    .read(entry)
    ?.filter((c) => c.term !== undefined);
  if (categories && categories.length > 0) out.categories = categories;
  const replyTo = entryExtras.parse(entry)['in-reply-to'];
  let replyToSeen = false;
  const claimed = (c: Element): boolean => {
    const local = c.name.replace(/^.*:/, '');
    if (!ENTRY_CHILDREN.some(([n, ns]) => local === n && c.getNS() === ns)) return false;
    // Only the thread element reported, only categories with their required term (RFC 4287 §4.2.2).
    if (local === 'in-reply-to') {
      if (replyToSeen || replyTo === undefined || c.attrs.ref === undefined) return false;
      replyToSeen = true;
      return true;
    }
    if (local === 'category') return c.attrs.term !== undefined;
    return true;
  };
  const rest = entry.getChildElements().filter((c) => !claimed(c));
  if (rest.length > 0) out.raw = xmlOf(rest);
  return out;
}

function buildAtom(entry: Element, atom: AtomIn): void {
  for (const name of ['id', 'title'] as const) if (atom[name] !== undefined) childText(name, ITEM_NS.atom).write(entry, atom[name]);
  if (atom.content !== undefined) buildContent(entry, atom.content);
  for (const name of ['summary', 'published', 'updated'] as const) {
    if (atom[name] !== undefined) childText(name, ITEM_NS.atom).write(entry, atom[name]);
  }
  const authors = atom.authors ?? (atom.author === undefined ? [] : Array.isArray(atom.author) ? atom.author : [atom.author]);
  limit(authors.length, 'atom.authors');
  childList(authorMapping).write(entry, authors);
  if (atom.contributors) childList(contributorMapping).write(entry, atom.contributors);
  if (atom.categories)
    childList(categoryMapping).write(
      entry,
      atom.categories.map((c) => (typeof c === 'string' ? { term: c } : c)),
    );
  if (atom.links) childList(linkMapping).write(entry, atom.links);
  if (atom.raw !== undefined) for (const e of rawElements(atom.raw, 'atom.raw')) entry.cnode(e);
}

function limit(n: number, key: string): void {
  if (n > ITEM_LIMITS.list) throw errors.clientError(`'${key}' has too many entries (at most ${ITEM_LIMITS.list})`);
}

// ---------------------------------------------------------------------------------------------
// JSON (XEP-0335)

function jsonDepth(value: unknown, depth = 0): number {
  if (depth > ITEM_LIMITS.depth) return depth;
  if (Array.isArray(value)) return Math.max(depth + 1, ...value.map((v) => jsonDepth(v, depth + 1)));
  if (value !== null && typeof value === 'object') return Math.max(depth + 1, ...Object.values(value).map((v) => jsonDepth(v, depth + 1)));
  return depth;
}

function buildJson(value: unknown): Element {
  if (jsonDepth(value) > ITEM_LIMITS.depth) throw errors.clientError(`'json' is nested too deeply (at most ${ITEM_LIMITS.depth} levels)`);
  const text = JSON.stringify(value);
  if (text === undefined) throw errors.clientError(`'json' must be a JSON value`);
  if (text.length > ITEM_LIMITS.text) throw errors.clientError(`'json' is too long (at most ${ITEM_LIMITS.text} characters as JSON text)`);
  return createElement('json', { xmlns: ITEM_NS.json }).t(text);
}

// ---------------------------------------------------------------------------------------------
// The interface

const ENTRY_KEYS = ['atom', 'in-reply-to', 'activity', 'review', 'media'] as const;

/** The children to put inside <item/> for a client's content (docs/items.md); bad content is a clientError. */
export function buildItemPayload(content: ItemContentT): Element[] {
  if (typeof content === 'string') {
    if (content === '') throw errors.clientError('Missing message content');
    if (content.length > ITEM_LIMITS.text) throw errors.clientError(`'content' is too long (at most ${ITEM_LIMITS.text} characters)`);
    return [createElement('body').t(content)];
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content) || Object.keys(content).length === 0) {
    throw errors.clientError('Missing message content');
  }
  const tooLong = findTooLong(content, '');
  if (tooLong !== undefined) throw errors.clientError(`'${tooLong}' is too long (at most ${ITEM_LIMITS.text} characters)`);
  const out: Element[] = [];
  if (ENTRY_KEYS.some((k) => content[k] !== undefined)) {
    const entry = createElement('entry', { xmlns: ITEM_NS.atom });
    if (content.atom) buildAtom(entry, content.atom);
    if (content.media) limit(content.media.length, 'media');
    entryExtras.fill(entry, content);
    out.push(entry);
  }
  if (content.tune !== undefined) out.push(tuneMapping.build(content.tune));
  if (content.geoloc !== undefined) out.push(geolocMapping.build(content.geoloc));
  if ('json' in content && content.json !== undefined) out.push(buildJson(content.json));
  if (content.body !== undefined) out.push(createElement('body').t(content.body));
  if (content.raw !== undefined) out.push(...rawElements(content.raw, 'raw'));
  if (out.length === 0) throw errors.clientError('Missing message content');
  return out;
}

function findTooLong(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.length > ITEM_LIMITS.text ? path || 'content' : undefined;
  if (value !== null && typeof value === 'object' && path !== 'json') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findTooLong(v, path ? `${path}.${k}` : k);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/**
 * Namespaces a plain <body/> ends up in: XMPP-FTW (and we) write it without one, so it inherits the
 * publishing <item/>'s (#pubsub); a service that forwards it in a notification (#pubsub#event) keeps
 * that inherited namespace explicitly, as Prosody does.
 */
const PLAIN_BODY_NS = new Set(['jabber:client', 'http://jabber.org/protocol/pubsub', 'http://jabber.org/protocol/pubsub#event']);

/** A plain <body/>: no namespace of its own beyond an inherited one, text only. */
function isPlainBody(el: Element, item: Element): boolean {
  if (el.name !== 'body' || el.getChildElements().length > 0) return false;
  const ns = el.getNS();
  return ns === undefined || ns === item.getNS() || PLAIN_BODY_NS.has(ns);
}

/** The payload of an <item/> element (docs/items.md): one key per payload kind; unknown elements under `raw`. */
export function parseItemPayload(item: Element): ItemEntryT {
  const out: ItemEntryT = {};
  const unknown: Element[] = [];
  for (const el of item.getChildElements()) {
    const ns = el.getNS();
    if (el.name === 'entry' && ns === ITEM_NS.atom && out.atom === undefined) {
      out.atom = parseAtom(el);
      Object.assign(out, entryExtras.parse(el));
    } else if (el.name === 'tune' && ns === ITEM_NS.tune && out.tune === undefined) out.tune = tuneMapping.parse(el);
    else if (el.name === 'geoloc' && ns === ITEM_NS.geoloc && out.geoloc === undefined) out.geoloc = geolocMapping.parse(el);
    else if (el.name === 'json' && ns === ITEM_NS.json && !('json' in out) && parsesAsJson(el.getText())) {
      out.json = JSON.parse(el.getText()) as unknown;
    } else if (isPlainBody(el, item) && out.body === undefined) out.body = el.getText();
    else unknown.push(el);
  }
  if (unknown.length > 0) out.raw = xmlOf(unknown);
  return out;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

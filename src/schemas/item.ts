// The payload of a publish-subscribe item (XMPP-FTW's item parser; docs/items.md): `ItemContent` is
// what a client publishes, `ItemEntry` what the gateway reports for an item it receives. API side:
// no XML here (src/xmpp/shared/items.ts maps both to the wire).
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Size limits, checked by the schema and again by the builder (docs/items.md "Limits"). */
export const ITEM_LIMITS = {
  /** Characters of any one string (Atom content, a raw payload, a JSON payload's text). */
  text: 65536,
  /** Characters of a short field (titles, ids, names, URIs). */
  short: 4096,
  /** Links, authors, contributors, categories, media ids. */
  list: 100,
  /** Nesting depth of a `json` payload and of `raw` / XHTML markup. */
  depth: 32,
} as const;

const short = (description?: string) => Type.String({ maxLength: ITEM_LIMITS.short, ...(description ? { description } : {}) });
const long = (description?: string) => Type.String({ maxLength: ITEM_LIMITS.text, ...(description ? { description } : {}) });
const opt = <T extends TSchema>(s: T) => Type.Optional(s);

export const AtomPerson = Type.Object(
  { name: opt(short()), uri: opt(short()), email: opt(short()), id: opt(short()) },
  { additionalProperties: false, description: 'An Atom person (RFC 4287 §3.2)' },
);
export const AtomLink = Type.Object(
  { href: opt(short()), rel: opt(short()), type: opt(short()), title: opt(short()), hreflang: opt(short()), length: opt(short()) },
  { additionalProperties: false, description: 'An Atom link (RFC 4287 §4.2.7)' },
);
export const AtomCategory = Type.Object(
  { term: short(), scheme: opt(short()), label: opt(short()) },
  { additionalProperties: false, description: 'An Atom category (RFC 4287 §4.2.2)' },
);
export const AtomContent = Type.Object(
  {
    content: long('text; for html an HTML string, for xhtml one <div xmlns="http://www.w3.org/1999/xhtml"> element (both sanitised)'),
    type: opt(short('text (default), html, xhtml or a MIME type')),
    lang: opt(short('xml:lang')),
    base: opt(short('xml:base')),
    src: opt(short('URI of out-of-line content (RFC 4287 §4.1.3.2)')),
  },
  { additionalProperties: false, description: 'Atom content (RFC 4287 §4.1.3)' },
);

const ActivityObject = Type.Object(
  { 'object-type': opt(short()), id: opt(short()) },
  { additionalProperties: false, description: 'An Activity Streams object: object-type and id' },
);
export const Activity = Type.Object(
  { verb: opt(short()), object: opt(ActivityObject), target: opt(ActivityObject), author: opt(ActivityObject) },
  {
    additionalProperties: false,
    description:
      'Activity Streams 1.0 in the Atom entry (activity:verb, activity:object, activity:target, the author’s activity:object-type)',
  },
);
export const InReplyTo = Type.Object(
  { ref: short(), href: opt(short()), type: opt(short()) },
  { additionalProperties: false, description: 'thr:in-reply-to (RFC 4685 §3)' },
);
export const Review = Type.Object({ rating: Type.Integer() }, { additionalProperties: false, description: 'review:rating' });
export const Tune = Type.Object(
  {
    artist: opt(short()),
    length: opt(Type.Integer({ minimum: 0, description: 'seconds' })),
    rating: opt(Type.Integer({ minimum: 1, maximum: 10 })),
    source: opt(short()),
    title: opt(short()),
    track: opt(short()),
    uri: opt(short()),
  },
  { additionalProperties: false, description: 'User tune (XEP-0118); {} means "stopped playing"' },
);
const decimal = () => Type.Number();
export const Geoloc = Type.Object(
  {
    accuracy: opt(decimal()),
    alt: opt(decimal()),
    altaccuracy: opt(decimal()),
    area: opt(short()),
    bearing: opt(decimal()),
    building: opt(short()),
    country: opt(short()),
    countrycode: opt(short()),
    datum: opt(short()),
    description: opt(short()),
    error: opt(decimal()),
    floor: opt(short()),
    lat: opt(decimal()),
    locality: opt(short()),
    lon: opt(decimal()),
    postalcode: opt(short()),
    region: opt(short()),
    room: opt(short()),
    speed: opt(decimal()),
    street: opt(short()),
    text: opt(short()),
    timestamp: opt(short()),
    tzo: opt(short()),
    uri: opt(short()),
  },
  { additionalProperties: false, description: 'User location (XEP-0080)' },
);

const list = <T extends TSchema>(s: T) => Type.Array(s, { maxItems: ITEM_LIMITS.list });

/** An Atom entry as the gateway reports it. */
export const AtomEntry = Type.Object(
  {
    id: opt(short()),
    title: opt(short()),
    summary: opt(long()),
    published: opt(short()),
    updated: opt(short()),
    content: opt(AtomContent),
    links: opt(list(AtomLink)),
    author: opt(AtomPerson),
    authors: opt(list(AtomPerson)),
    contributors: opt(list(AtomPerson)),
    categories: opt(list(AtomCategory)),
    raw: opt(long('child elements of the entry the gateway does not map, as XML text')),
  },
  { additionalProperties: false, description: 'Atom entry (RFC 4287 §4.1.2)' },
);

const itemKinds = {
  atom: opt(AtomEntry),
  'in-reply-to': opt(InReplyTo),
  activity: opt(Activity),
  review: opt(Review),
  media: opt(Type.Array(short(), { maxItems: ITEM_LIMITS.list, description: 'buddycloud media ids' })),
  tune: opt(Tune),
  geoloc: opt(Geoloc),
  json: opt(Type.Unknown({ description: 'JSON payload (XEP-0335)' })),
  body: opt(long('plain text payload (<body/>)')),
  raw: opt(long('payload elements the gateway does not map, as XML text')),
};

const limitedEntry = Type.Object(itemKinds, { additionalProperties: false });

/** The JSON Schema without the size limits: what was received is reported as it was (the limits are the publisher's). */
function withoutLimits(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutLimits);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k]) => k !== 'maxLength' && k !== 'maxItems')
      .map(([k, v]) => [k, withoutLimits(v)]),
  );
}

/** What the gateway reports for an item's payload: one key per payload kind found (docs/items.md). */
export const ItemEntry = Type.Unsafe<Static<typeof limitedEntry>>({
  ...(withoutLimits(limitedEntry) as object),
  description: 'An item payload, parsed (docs/items.md)',
});
export type ItemEntryT = Static<typeof limitedEntry>;

// What a client may publish: the entry's shape, where a few fields also take XMPP-FTW's shorter forms
// (content as a string, author as an array, a category as its term). Type lists, not anyOf, so every
// mistake is reported at its own key ("'content.atom.title' is too long").
type AtomInput = Omit<NonNullable<ItemEntryT['atom']>, 'content' | 'author' | 'categories'> & {
  content?: string | NonNullable<NonNullable<ItemEntryT['atom']>['content']>;
  author?: Static<typeof AtomPerson> | Array<Static<typeof AtomPerson>>;
  categories?: Array<string | Static<typeof AtomCategory>>;
};
export type ItemContentObject = Omit<ItemEntryT, 'atom'> & { atom?: AtomInput };
export type ItemContentT = string | ItemContentObject;

function atomInputSchema(): Record<string, unknown> {
  // A plain copy of AtomEntry's JSON Schema with three properties widened.
  const base = JSON.parse(JSON.stringify(AtomEntry)) as { properties: Record<string, unknown> };
  const content = JSON.parse(JSON.stringify(AtomContent)) as Record<string, unknown>;
  const person = JSON.parse(JSON.stringify(AtomPerson)) as Record<string, unknown>;
  const category = JSON.parse(JSON.stringify(AtomCategory)) as Record<string, unknown>;
  base.properties.content = {
    ...content,
    type: ['string', 'object'],
    maxLength: ITEM_LIMITS.text,
    description: 'text, or { content, type?, lang?, base?, src? }',
  };
  base.properties.author = {
    ...person,
    type: ['object', 'array'],
    maxItems: ITEM_LIMITS.list,
    items: person,
    description: 'one person or an array of them',
  };
  base.properties.categories = {
    type: 'array',
    maxItems: ITEM_LIMITS.list,
    items: { ...category, type: ['string', 'object'], maxLength: ITEM_LIMITS.short },
    description: 'terms, or { term, scheme?, label? }',
  };
  return base;
}

const contentObject = JSON.parse(JSON.stringify(limitedEntry)) as { properties: Record<string, unknown> };
contentObject.properties.atom = atomInputSchema();

/** Validation messages for an action whose item payload is under the key `content` (an action's `messages`). */
export const ITEM_CONTENT_MESSAGES = {
  'required:content': 'Missing message content',
  'type:content': "'content' must be a string or an object",
} as const;

// Empty content ('' or {}) passes the schema: the builder refuses it with XMPP-FTW's 'Missing message content'.
export const ItemContent = Type.Unsafe<ItemContentT>({
  ...contentObject,
  type: ['string', 'object'],
  maxLength: ITEM_LIMITS.text,
  description: 'An item payload to publish: a string (plain text in <body/>) or an object of payload kinds (docs/items.md)',
});

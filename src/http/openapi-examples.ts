// Examples for the OpenAPI document (issue #14, docs/api.md §7): every request body and every success
// response carries one. Hand-written examples win: an area's schema `examples` (which fastify-swagger
// moves to the media type) and the gateway's own routes below. Where none was written, one is generated
// from the schema, deterministically: const, enum, default, formats, and XMPP-FTW-style values picked by
// the property's name (JIDs like juliet@example.org, rooms like coven@chat.example.org).
// Every event's data schema gets one too (fillEventExamples). test/sdk/examples.test.ts validates every
// example against its schema.
import type { Json, JsonObject } from './openapi-document.js';

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Hand-written examples of the routes outside the areas, by operationId (request body, success response). */
const GATEWAY_EXAMPLES: Record<string, { body?: Json; response?: Json }> = {
  logout: { body: {}, response: { ok: true } },
  eventsTicket: { body: {}, response: { ticket: 'tk_3f9a0c2e7b5d4e18a6c1', expiresIn: 60 } },
  webhooks: {
    body: { url: 'https://app.example.org/hooks/xmpp', events: ['xmpp.chat.message', 'xmpp.presence'] },
    response: { id: 'wh_8c2d1e', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  },
  webhooksList: {
    body: {},
    response: {
      webhooks: [
        {
          id: 'wh_8c2d1e',
          url: 'https://app.example.org/hooks/xmpp',
          events: ['xmpp.chat.message', 'xmpp.presence'],
          state: 'active',
          lastEventId: '1764763200000-0',
          pending: 0,
        },
      ],
    },
  },
  webhooksDelete: { body: { id: 'wh_8c2d1e' }, response: { ok: true } },
  healthz: { response: { status: 'ok' } },
  readyz: { response: { status: 'ready' } },
  metrics: {
    response: '# HELP gateway_sessions Sessions on this node\n# TYPE gateway_sessions gauge\ngateway_sessions 3\n',
  },
  upload: { body: 'GIF89a…' },
  events: {
    response: {
      event: 'xmpp.chat.message',
      id: '1764763200000-0',
      data: { from: { user: 'romeo', domain: 'example.org', resource: 'orchard' }, content: 'Art thou not Romeo, and a Montague?' },
    },
  },
};

/** A JID-like string for a property named `hint` (a request's JID, or a response's JID field as text). */
function jidFor(hint: string): string {
  if (/room/i.test(hint)) return 'coven@chat.example.org';
  if (/^(of|server|service|component)$/.test(hint)) return 'pubsub.example.org';
  if (/^(from|publisher|actor|initiator|invitedBy|by)$/.test(hint)) return 'romeo@example.org/orchard';
  if (/^(to|responder|with)$/.test(hint)) return 'romeo@example.org';
  return 'juliet@example.org';
}

const JID_NAMES =
  /^(to|from|jid|jids|of|with|by|owner|publisher|actor|initiator|responder|invitedBy|server|service|component|jabberid|always|never)$/;

/** A string for a property named `hint`: XMPP-FTW's kind of values where the name says what it holds. */
function stringFor(hint: string): string {
  if (/room/i.test(hint)) return 'coven@chat.example.org';
  if (JID_NAMES.test(hint) || JID_NAMES.test(`${hint}s`)) return jidFor(hint);
  const byName: Record<string, string> = {
    node: 'princely_musings',
    nick: 'thirdwitch',
    oldNick: 'secondwitch',
    content: 'Art thou not Romeo, and a Montague?',
    body: 'Art thou not Romeo, and a Montague?',
    subject: 'Fire burn, and cauldron bubble',
    status: 'online',
    reason: 'Thou art banished',
    password: 'n3w-s3cret',
    name: 'Romeo',
    username: 'juliet',
    user: 'juliet',
    domain: 'example.org',
    resource: 'balcony',
    title: 'Princely musings',
    description: 'Thou art banished',
    instructions: 'Fill out this form',
    label: 'Name',
    var: 'muc#roomconfig_roomname',
    subscription: 'subscribed',
    affiliation: 'member',
    role: 'participant',
    show: 'away',
    state: 'active',
    default: 'roster',
    first: 'a1b2c3',
    last: 'd4e5f6',
    'first-index': '0',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    url: 'https://example.org/',
    href: 'https://example.org/',
    uri: 'https://example.org/',
    get: 'https://upload.example.org/a1b2c3/balcony.jpg',
    put: 'https://upload.example.org/a1b2c3/balcony.jpg',
    filename: 'balcony.jpg',
    contentType: 'image/jpeg',
    lang: 'en',
    when: '2026-12-03T12:00:00Z',
    published: '2026-12-03T12:00:00Z',
    updated: '2026-12-03T12:00:00Z',
    since: '2026-12-03T12:00:00Z',
    start: '2026-12-01T00:00:00Z',
    end: '2026-12-03T12:00:00Z',
    email: 'juliet@example.org',
    hash: 'sha-1',
    sid: 'a73sjjvkla37jfea',
    queryId: 'q1',
    sessionId: 'session-1',
    xmlns: 'urn:example:extension',
  };
  if (byName[hint] !== undefined) return byName[hint];
  if (/(^id$|Id$|^ids?$)/.test(hint)) return 'a1b2c3';
  return 'example';
}

/** Fits a string to the schema's length bounds and pattern (trying simpler values when it does not match). */
function fitString(schema: JsonObject, value: string): string {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined;
  const candidates = [value, 'a1b2c3', 'example', '5', 'a'];
  for (const c of candidates) {
    const s = c.length < min ? c.padEnd(min, 'x') : c.slice(0, max);
    if (!pattern || pattern.test(s)) return s;
  }
  return value;
}

function numberFor(schema: JsonObject, hint: string): number {
  const integer = schema.type === 'integer';
  const byName: Record<string, number> = {
    max: 20,
    size: 23456,
    bytes: 23456,
    width: 64,
    height: 64,
    port: 5222,
    priority: 5,
    count: 1,
    maxFileSize: 10485760,
    expiresIn: 60,
  };
  let v = byName[hint] ?? 1;
  if (typeof schema.minimum === 'number' && v < schema.minimum) v = schema.minimum;
  if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) v = schema.exclusiveMinimum + 1;
  if (typeof schema.maximum === 'number' && v > schema.maximum) v = schema.maximum;
  if (typeof schema.exclusiveMaximum === 'number' && v >= schema.exclusiveMaximum) v = schema.exclusiveMaximum - 1;
  return integer ? Math.ceil(v) : v;
}

/** How deep generated optional fields go: deeper, only required ones (examples stay readable). */
const OPTIONAL_DEPTH = 2;
/** Objects with more optional fields than this show only their required ones (and at least one field). */
const OPTIONAL_MAX = 8;
/** Past this depth nothing is generated (recursive schemas such as XML-RPC values). */
const MAX_DEPTH = 16;

/**
 * An example of `schema`, `components` resolving `#/components/schemas/…`; `hint` is the property's
 * name. undefined where none can be made (too deep).
 */
export function exampleOf(schema: Json | undefined, components: JsonObject, hint = '', depth = 0): Json | undefined {
  if (!isObject(schema) || depth > MAX_DEPTH) return undefined;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (name === 'Jid') return jidObjectFor(hint);
    if (name === 'JidString') return jidFor(hint);
    return exampleOf(components[name], components, hint, depth + 1);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = schema[key];
    if (Array.isArray(alts)) {
      for (const alt of alts) {
        const v = exampleOf(alt, components, hint, depth + 1);
        if (v !== undefined) return v;
      }
      return undefined;
    }
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'jid') return jidFor(hint);
      if (schema.format === 'date-time') return '2026-12-03T12:00:00Z';
      return fitString(schema, stringFor(hint));
    case 'integer':
    case 'number':
      return numberFor(schema, hint);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const item = exampleOf(schema.items, components, singular(hint), depth + 1);
      if (item === undefined) return [];
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 1);
      return Array.from({ length: count }, () => item);
    }
    case 'object':
    default:
      if (type === undefined && !isObject(schema.properties)) return undefined;
      return objectFor(schema, components, depth);
  }
}

function singular(hint: string): string {
  return hint.endsWith('s') ? hint.slice(0, -1) : hint;
}

function jidObjectFor(hint: string): JsonObject {
  const [user, rest] = jidFor(hint).split('@');
  const [domain, resource] = (rest ?? user!).split('/');
  return { ...(rest !== undefined && { user: user! }), domain: domain!, ...(resource !== undefined && { resource }) };
}

/** A XEP-0004 form as services send them, for schemas of that shape (src/schemas/forms.ts). */
const FORM: JsonObject = {
  type: 'form',
  title: 'Configuration for coven',
  instructions: 'Complete this form to modify the configuration of your room',
  fields: [
    { var: 'FORM_TYPE', type: 'hidden', value: 'http://jabber.org/protocol/muc#roomconfig' },
    { var: 'muc#roomconfig_roomname', type: 'text-single', label: 'Natural-Language Room Name', value: 'A Dark Cave' },
    { var: 'muc#roomconfig_membersonly', type: 'boolean', label: 'Make Room Members-Only', value: false },
  ],
  items: [],
};
const isFormShape = (properties: JsonObject): boolean => ['fields', 'reported', 'items', 'instructions'].every((k) => k in properties);

function objectFor(schema: JsonObject, components: JsonObject, depth: number): JsonObject {
  const properties = isObject(schema.properties) ? schema.properties : {};
  if (isFormShape(properties)) return FORM;
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : []);
  const optional = Object.keys(properties).filter((k) => !required.has(k));
  const withOptional = depth <= OPTIONAL_DEPTH && optional.length <= OPTIONAL_MAX;
  const out: JsonObject = {};
  for (const [name, sub] of Object.entries(properties)) {
    if (!required.has(name) && !withOptional) continue;
    const v = exampleOf(sub, components, name, depth + 1);
    if (v !== undefined) out[name] = v;
  }
  const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
  if (Object.keys(out).length < minProperties) {
    for (const name of optional) {
      if (Object.keys(out).length >= minProperties) break;
      const v = exampleOf(properties[name], components, name, depth + 1);
      if (v !== undefined) out[name] = v;
    }
  }
  // A map (`Type.Record`): one entry whose key fits the key pattern.
  const patterns = isObject(schema.patternProperties) ? schema.patternProperties : {};
  for (const [pattern, sub] of Object.entries(patterns).slice(0, 1)) {
    const key = ['username', 'field', 'name', 'a'].find((k) => new RegExp(pattern, 'u').test(k));
    const v = exampleOf(sub, components, key ?? '', depth + 1);
    if (key !== undefined && v !== undefined) out[key] = v;
  }
  return out;
}

/** Whether a media type object already shows an example (`example`, or `examples` from several). */
const hasExample = (media: JsonObject): boolean => media.example !== undefined || isObject(media.examples);

/** Sets `example` on a media type that has none: the hand-written one, else one generated from its schema. */
function fill(media: Json | undefined, written: Json | undefined, components: JsonObject): void {
  if (!isObject(media) || hasExample(media)) return;
  const example = written ?? exampleOf(media.schema, components);
  if (example !== undefined) media.example = example;
}

/** Every operation's request bodies and success responses get an example (see the top of this file). */
export function fillExamples(doc: JsonObject): JsonObject {
  const components = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const op of Object.values(item)) {
      if (!isObject(op)) continue;
      const written = typeof op.operationId === 'string' ? GATEWAY_EXAMPLES[op.operationId] : undefined;
      if (isObject(op.requestBody) && isObject(op.requestBody.content)) {
        for (const media of Object.values(op.requestBody.content)) fill(media, written?.body, components);
      }
      if (!isObject(op.responses)) continue;
      for (const [status, response] of Object.entries(op.responses)) {
        if (!status.startsWith('2') || !isObject(response) || !isObject(response.content)) continue;
        for (const media of Object.values(response.content)) fill(media, written?.response, components);
      }
    }
  }
  return doc;
}

const romeo = { user: 'romeo', domain: 'example.org', resource: 'orchard' };
/** Hand-written examples of the events most clients handle first, where generated values would be placeholders. */
const EVENT_EXAMPLES: Record<string, Json> = {
  'xmpp.chat.message': { from: romeo, id: 'm-4711', content: 'Art thou not Romeo, and a Montague?', format: 'plain', markable: true },
  'xmpp.presence': {
    from: romeo,
    show: 'away',
    status: 'In the orchard',
    priority: '5',
    client: { node: 'https://conversations.im', ver: 'q07IKJEyjvHSyhy//CH0CxmKi8w=', hash: 'sha-1' },
  },
  'xmpp.chat.reaction': { from: romeo, id: 'm-4711', reactions: ['👍', '❤️'] },
  'xmpp.presence.error': { error: 'remote-server-not-found', from: { domain: 'montague.example' } },
  'xmpp.gateway.gap': { after: '1764763200000-0' },
  'xmpp.mam.message': {
    from: romeo,
    id: 'm-4711',
    content: 'Art thou not Romeo, and a Montague?',
    delay: { when: '2026-12-03T12:00:00Z' },
    mam: { to: { user: 'juliet', domain: 'example.org' }, id: 'YWxwaGEg', queryId: 'q1' },
  },
};

/**
 * Every event's data schema (components.schemas, by event name) gets `examples` (JSON Schema 2020-12)
 * where it has none, generated as above: SDK generators show it beside the event's type.
 */
export function fillEventExamples(doc: JsonObject, eventNames: readonly string[]): JsonObject {
  const components = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  for (const name of eventNames) {
    const schema = components[name];
    if (!isObject(schema) || (Array.isArray(schema.examples) && schema.examples.length > 0)) continue;
    const example = EVENT_EXAMPLES[name] ?? exampleOf(schema, components, name);
    if (example !== undefined) schema.examples = [example];
  }
  return doc;
}

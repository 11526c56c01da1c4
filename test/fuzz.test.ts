// The fuzz suite of issue #10 ("Tests that keep it so"): bodies generated from every operation's request schema in
// openapi/openapi.json, valid and mutated (missing and extra keys, wrong types, nulls, huge strings, nesting up
// to FUZZ_MAX_DEPTH, long arrays, unicode with lone surrogates and control characters, XML metacharacters,
// __proto__/constructor keys), plus non-JSON and wrong content types, posted to a real gateway logged in to the
// harness Prosody. Properties:
//   - never a gateway failure: no 500, and a 5xx only as an XMPP-side answer (see XMPP_SIDE_5XX);
//   - every error has the error shape { type, condition, … } (docs/api.md "Errors");
//   - the node and another session are unaffected (health, a chat message to the other session's stream);
//   - text that reaches the wire (chat/message content) arrives at a real peer exactly as sent.
// Seeded and bounded: FUZZ_SEED replays a run (the seed is printed on failure and in the test name),
// FUZZ_RUNS sets runs per operation.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xml } from '@xmpp/client';
import { startProsody } from './helpers/prosody.js';
import { connectPeer } from './helpers/peer.js';
import { startGateway } from './helpers/gateway.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
/** The input helper bounds deeper nesting; 200 keeps this suite meaningful on every branch. */
const MAX_DEPTH = Number(process.env.FUZZ_MAX_DEPTH ?? 200);
/** Wall-clock budget of the generated-body phase (the whole file stays well under a minute). */
const BUDGET_MS = 30_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}
interface Operation {
  path: string;
  schema: Schema;
  session: boolean;
}
interface OpenApi {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
}

// Operations that end the fuzzed session or change its account: fuzzing them would end the run, not test it.
// They are covered by their own tests (core.test.ts, register.test.ts).
const SKIP = new Set(['/v1/logout', '/v1/presence/offline', '/v1/register/unregister', '/v1/register/password']);

const doc = JSON.parse(readFileSync(path.join(root, 'openapi', 'openapi.json'), 'utf8')) as OpenApi;
const operations: Operation[] = Object.entries(doc.paths).flatMap(([p, methods]) => {
  const post = methods.post;
  const schema = post?.requestBody?.content?.['application/json']?.schema;
  // Public operations (login, register) say `security: []`.
  return post && schema && !SKIP.has(p) ? [{ path: p, schema, session: (post.security?.length ?? 0) > 0 }] : [];
});

/** 5xx conditions that are the XMPP side's answer relayed (a service that does not answer, or not this), not the gateway failing. */
const XMPP_SIDE_5XX = new Set([
  'feature-not-implemented',
  'service-unavailable',
  'remote-server-not-found',
  'remote-server-timeout',
  'timeout',
]);

// ---------------------------------------------------------------------------------------------
// Generators

const prosody = await startProsody({ users: 3 });
const LOCAL_JIDS = [
  prosody.domain,
  `nobody@${prosody.domain}`,
  `nobody@${prosody.domain}/r`,
  `room@${prosody.mucDomain}`,
  `room@${prosody.mucDomain}/nick`,
  prosody.pubsubDomain,
];

/** Hostile text: lone surrogates, controls, XML metacharacters, bidi and non-BMP characters. */
const nastyChar = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\ufffe',
  '\uffff',
  '\r',
  '\t',
  '\n',
  '<',
  '>',
  '&',
  '"',
  "'",
  ']]>',
  '\u202e',
  '😀',
  'é',
  '\u0085',
  '\u2028',
);
const nastyString = fc.array(fc.oneof(nastyChar, fc.string({ maxLength: 4 })), { maxLength: 12 }).map((a) => a.join(''));
const anyString = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), nastyString);

function stringFor(s: Schema): fc.Arbitrary<string> {
  if (s.format === 'jid') return fc.constantFrom(...LOCAL_JIDS);
  if (s.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.pattern !== undefined) return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= (s.maxLength ?? 64));
  const minLength = s.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(s.maxLength ?? 24, 24)) });
}

/** A value valid for the schema (as far as the keywords of our OpenAPI document go). */
function valid(s: Schema, depth = 0): fc.Arbitrary<unknown> {
  // Shared schemas (Jid, JidString) are components referenced by $ref.
  if (s.$ref) return valid(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] ?? {}, depth);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map((x) => valid(x, depth)));
  switch (s.type) {
    case 'string':
      return stringFor(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return depth > 4
        ? fc.constant([])
        : fc.array(valid(s.items ?? {}, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object': {
      const props = Object.fromEntries(
        Object.entries(s.properties ?? {}).map(([k, v]) => [k, depth > 4 ? fc.constant(null) : valid(v, depth + 1)]),
      );
      const record = fc.record(props, { requiredKeys: s.required ?? [] });
      if (typeof s.additionalProperties !== 'object' || depth > 4) return record;
      const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valid(s.additionalProperties, depth + 1), { maxKeys: 3 });
      return fc.tuple(record, extra).map(([r, e]) => ({ ...e, ...r }));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Nesting of arrays or objects to a given depth, built iteratively. */
function nested(depth: number, asObject: boolean): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
  return v;
}

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  anyString,
  fc.constantFrom('1', '20', '-1', 'true', '', ' '),
  fc.integer({ min: 65_537, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.tuple(fc.integer({ min: 1, max: MAX_DEPTH }), fc.boolean()).map(([d, o]) => nested(d, o)),
  fc.integer({ min: 100, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ __proto__: { polluted: true } }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'), fc.jsonValue({ maxDepth: 1 })),
);
const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', '$ref', 'x'.repeat(5000)), anyString);

type Body = Record<string, unknown>;
/** One mutation of a valid body: a key removed, an extra key, a value of the wrong type, or no object at all. */
function mutated(s: Schema): fc.Arbitrary<unknown> {
  const base = valid(s) as fc.Arbitrary<Body>;
  const keys = Object.keys(s.properties ?? {});
  const key = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('to');
  return fc.oneof(
    fc.tuple(base, key).map(([b, k]) => Object.fromEntries(Object.entries(b).filter(([x]) => x !== k))),
    fc.tuple(base, hostileKey, wrongValue).map(([b, k, v]) => JSON.parse(JSON.stringify({ ...b, [k]: v })) as unknown),
    fc.tuple(base, key, wrongValue).map(([b, k, v]) => ({ ...b, [k]: v })),
    fc.tuple(base, key, key, wrongValue, wrongValue).map(([b, k1, k2, v1, v2]) => ({ ...b, [k1]: v1, [k2]: v2 })),
    fc.tuple(base, key, nastyString).map(([b, k, v]) => ({ ...b, [k]: v })),
    wrongValue,
  );
}

// ---------------------------------------------------------------------------------------------
// The gateway, the fuzzed session, another session and a peer

const gw = await startGateway(prosody, { iqTimeoutMs: 2000, answerTimeoutMs: 2000 });
const [aliceUser, bobUser, carolUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const bob = await connectPeer(prosody, bobUser, { presence: true });
const alice = await gw.login(aliceUser, { resource: 'fuzz' });
const carol = await gw.login(carolUser, { resource: 'other' });
const carolStream = await gw.events({ token: carol.token });
await carolStream.nextEvent('xmpp.connection');
t.teardown(async () => {
  await bob.stop();
  await gw.close();
  await prosody.stop();
});

interface Answer {
  status: number;
  body: unknown;
}
async function raw(p: string, body: string | undefined, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${gw.url}${p}`, {
    method: 'POST',
    headers,
    ...(body !== undefined && { body }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}
function postJson(op: Operation, json: string): Promise<Answer> {
  return raw(op.path, json, {
    'content-type': 'application/json',
    ...(op.session && { authorization: `Bearer ${alice.token}` }),
  });
}

/** Why an answer breaks the properties, or undefined when it keeps them. */
function problem(a: Answer): string | undefined {
  if (a.status < 400) return undefined;
  const b = a.body as { type?: unknown; condition?: unknown } | null;
  if (typeof b !== 'object' || b === null || typeof b.type !== 'string' || typeof b.condition !== 'string') {
    return `${a.status} without the error shape: ${JSON.stringify(a.body).slice(0, 300)}`;
  }
  if (a.status >= 500 && (a.status === 500 || !XMPP_SIDE_5XX.has(b.condition)))
    return `${a.status} ${JSON.stringify(a.body).slice(0, 300)}`;
  return undefined;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s;
}

t.test(`generated and mutated bodies on ${operations.length} operations (FUZZ_SEED=${SEED})`, async (t) => {
  const started = Date.now();
  const statuses = new Map<number, number>();
  const xmppSide = new Set<string>();
  for (const [i, op] of operations.entries()) {
    if (Date.now() - started > BUDGET_MS) {
      t.comment(`time budget reached after ${i} operations`);
      break;
    }
    // Bodies go to fast-check as JSON text: its reports would recurse through a deeply nested value.
    const body = fc
      .oneof({ weight: 1, arbitrary: valid(op.schema) }, { weight: 3, arbitrary: mutated(op.schema) })
      .map((b) => JSON.stringify(b) ?? 'null');
    const result = await fc.check(
      fc.asyncProperty(body, async (b) => {
        const a = await postJson(op, b);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        if (a.status >= 500) xmppSide.add(`${a.status} ${op.path} ${(a.body as { condition?: string } | null)?.condition}`);
        const why = problem(a);
        if (why) throw new Error(`POST ${op.path} ${b.length > 300 ? `${b.slice(0, 300)}… (${b.length} chars)` : b} → ${why}`);
      }),
      { seed: SEED + i, numRuns: RUNS, endOnFailure: true },
    );
    t.ok(!result.failed, `POST ${op.path}`, result.failed ? { diag: fc.defaultReportMessage(result) ?? '', seed: SEED } : {});
    if (result.failed) t.comment(`replay with FUZZ_SEED=${SEED}`);
  }
  // Valid bodies are real requests: undo what they may have set on the account (a blocked domain makes
  // every later message to the peer bounce; an inactive client state holds the peer's messages back).
  t.equal((await gw.post('/v1/blocking/unblock', {}, alice.token)).status, 200, 'unblock everyone after the run');
  // 501 where the server offers no CSI (then the run could not have set it inactive either).
  t.ok([200, 501].includes((await gw.post('/v1/csi/active', {}, alice.token)).status), 'client state active after the run');
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
  t.comment(`XMPP-side 5xx: ${[...xmppSide].join(', ') || 'none'}`);
});

t.test('non-JSON bodies and wrong content types', async (t) => {
  const texts = [
    '',
    '{',
    '{"to":',
    'null',
    '[]',
    '"x"',
    '1e999',
    'NaN',
    '\ufeff{}',
    '{"a":1,"a":2}',
    '<x/>',
    'to=a&content=b',
    '\u0000',
    '{"to":"\ud800"}',
    '['.repeat(150) + ']'.repeat(150),
  ];
  const types = [
    'application/json',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    'application/json-patch+json',
    '',
  ];
  const targets = ['/v1/login', '/v1/chat/message', '/v1/muc/join', '/v1/register', '/v1/mam/query'];
  const failures: string[] = [];
  for (const p of targets) {
    for (const type of types) {
      for (const text of texts) {
        const headers: Record<string, string> = { ...(type !== '' && { 'content-type': type }), authorization: `Bearer ${alice.token}` };
        const a = await raw(p, text === '' && type === '' ? undefined : text, headers);
        const why = problem(a);
        if (why) failures.push(`POST ${p} [${type}] ${short(text)} → ${why}`);
      }
    }
  }
  t.same(failures, [], `${targets.length * types.length * texts.length} requests, each a 4xx with the error shape or a success`);
});

/** Characters outside XML 1.0's Char production (§2.2): lone surrogates, most C0 controls, U+FFFE/U+FFFF. */
const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const wireText = fc.oneof(
  nastyString,
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
);

/**
 * Text XML can carry arrives exactly; text it cannot carry (a lone surrogate, U+0001, …) is refused whole with a
 * 400, never sent altered (decided here, docs/differences.md "Transport").
 */
async function wireProperty(t: Test, name: string, text: fc.Arbitrary<string>, seed: number) {
  let delivered = 0;
  let refused = 0;
  const result = await fc.check(
    fc.asyncProperty(text, async (content) => {
      const res = await gw.post('/v1/chat/message', { to: bob.jid, content }, alice.token);
      if (NOT_XML.test(content)) {
        refused++;
        if (res.status !== 400 || problem(res) !== undefined)
          throw new Error(`${JSON.stringify(content)}: ${res.status} ${short(res.body)}, not a 400`);
        return;
      }
      if (res.status !== 200) throw new Error(`${JSON.stringify(content)}: ${res.status} ${short(res.body)}`);
      const msg = await bob.waitFor((s) => s.is('message') && s.attrs.id === res.body.id, 5000);
      delivered++;
      if (msg.getChildText('body') !== content)
        throw new Error(`sent ${JSON.stringify(content)}, received ${JSON.stringify(msg.getChildText('body'))}`);
    }),
    { seed, numRuns: 40, endOnFailure: true },
  );
  t.ok(!result.failed, name, { ...(result.failed && { diag: fc.defaultReportMessage(result) ?? '', seed }) });
  t.comment(`${name}: ${delivered} delivered, ${refused} refused`);
  return delivered;
}

t.test('missing, malformed and foreign tokens are a 401 with the error shape', async (t) => {
  const auths = [
    '',
    'Bearer',
    'Bearer ',
    'Bearer x',
    `Bearer ${alice.token}x`,
    `Bearer ${carol.token.slice(1)}`,
    `Basic ${alice.token}`,
    `bearer  ${'\u00e9'.repeat(3)}`,
    `Bearer ${'a'.repeat(10_000)}`,
  ];
  const failures: string[] = [];
  for (const auth of auths) {
    const a = await raw('/v1/chat/message', JSON.stringify({ to: bob.jid, content: 'x' }), {
      'content-type': 'application/json',
      ...(auth !== '' && { authorization: auth }),
    });
    if (a.status !== 401 || problem(a) !== undefined) failures.push(`${short(auth)} → ${a.status} ${short(a.body)}`);
  }
  t.same(failures, [], `${auths.length} bad Authorization headers`);
});

t.test('chat text reaches the peer exactly as sent, or is refused whole', async (t) => {
  const delivered = await wireProperty(
    t,
    'text without CR: exact or a 400',
    wireText.map((x) => x.replace(/\r/g, '')),
    SEED,
  );
  t.ok(delivered > 0, 'some texts were delivered');
  // CR travels as &#13; (src/xmpp/serialize.ts), so the receiving parser cannot normalise it to LF.
  const withCr = await wireProperty(
    t,
    'text with CR: exact',
    fc.tuple(wireText, wireText).map(([a, b]) => `${a}\r${b}`),
    SEED + 1,
  );
  t.ok(withCr > 0, 'some texts with CR were delivered');
});

t.test('after the run: the node, the fuzzed session and another session still work', async (t) => {
  const health = await fetch(`${gw.url}/healthz`);
  t.equal(health.status, 200, 'healthz');
  const sent = await gw.post('/v1/chat/message', { to: bob.jid, content: 'still here' }, alice.token);
  t.equal(sent.status, 200, 'the fuzzed session sends');
  t.equal((await bob.waitFor((s) => s.attrs.id === sent.body.id, 5000)).getChildText('body'), 'still here');
  await bob.send(xml('message', { to: `${carolUser.jid}/other`, type: 'chat', id: 'after-fuzz' }, xml('body', {}, 'hello carol')));
  const e = await carolStream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'after-fuzz');
  t.equal(e.data.content, 'hello carol', 'the other session still gets its messages');
});

// Golden pairs: the machinery behind test/xeps/golden.test.ts.
// One folder per registry module, test/xeps/<module id>/; adding a case adds files, never code.
//
//   in-<case>.xml   one stanza as received (xmlns='jabber:client'; indentation is ignored: whitespace-only
//                   text containing a line break is dropped, a lone space between inline XHTML stays)
//   in-<case>.json  { "events": [{ "event", "data" }], "sent"?: ["<iq …/>"], "state"? }
//                   the events emitted, in order (each also checked against its registry schema), and the
//                   stanzas sent in reply (unhandled iq get/set → service-unavailable, as XmppSession does)
//   out-<case>.json { "action", "body", "result"?, "iqReply"?: xml | [xml], "error"?: { status, body },
//                     "schemaError"?: "Missing 'to' key", "events"?, "incoming"?: [xml], "state"? }
//   out-<case>.xml  the stanza(s) the action sends, in order; absent when it must send nothing
//
//   "state": { "<area id>": { … } } seeds an area's per-session state (XmppContext.state) before the
//   case runs: the JSON is assigned over what the area's init() returns (e.g. a MUC room already joined).
//   "incoming": stanzas the session receives while the action runs (e.g. the room's answer to a join),
//   delivered in order through the same dispatcher once the action has sent its first stanza; when
//   that stanza is an IQ, before its iqReply (as a MAM archive's results precede its answer).
//
// The fake session is alice@localhost/gw; newId() gives id-1, id-2, …; its limits are FAKE_LIMITS
// (small, so that cases can reach them); stanzas are compared in a canonical form (namespaces
// resolved, attributes sorted, whitespace-only text dropped).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Kind, type TSchema, TypeRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaValidationError } from 'fastify';
import { type Element, parse } from 'ltx';
import { errors, GatewayError, isGatewayErrorLike } from '../../src/errors.js';
import { GatewayWarningEvent } from '../../src/schemas/common.js';
import { ajvOptions, describeValidation } from '../../src/http/validation.js';
import { buildAreas, type LoadedAreas } from '../../src/workers/areas.js';
import type { Area, LoadedWorker, MessageOverride } from '../../src/xeps/area.js';
import { declaredActions, gatewayFeatures, registry } from '../../src/xeps/index.js';
import type { XmppContext } from '../../src/xmpp/context.js';
import { receiveStanza } from '../../src/xmpp/incoming.js';
import { HeldRequests } from '../../src/xmpp/held.js';
import { IqTracker } from '../../src/xmpp/iq.js';
import { capsVer, GATEWAY_IDENTITY } from '../../src/xmpp/caps.js';

export const OWN_JID = 'alice@localhost/gw';

// ---------------------------------------------------------------------------------------------
// Fixture files

export interface EmittedEvent {
  event: string;
  data: unknown;
}

export interface IncomingFixture {
  events: EmittedEvent[];
  /** Stanzas the session sends in reply, in order (default: none). */
  sent?: string[];
  /** Per-area session state to start from (area id → JSON assigned over the area's init()). */
  state?: Record<string, unknown>;
}

export interface OutgoingFixture {
  /** Action name as in the registry (`chat.message`). */
  action: string;
  body: unknown;
  /** Deep-equal to the handler's answer, when given. */
  result?: unknown;
  /** The answer(s) to the IQ request(s) the action sends, in order. */
  iqReply?: string | string[];
  /** The GatewayError the action must throw ({ status, body }). */
  error?: { status: number; body: unknown };
  /** The body must fail schema validation with exactly this description. */
  schemaError?: string;
  /** Events the action emits (default: none). */
  events?: EmittedEvent[];
  /** Stanzas received while the action runs, delivered once it has sent its first stanza. */
  incoming?: string[];
  /** Per-area session state to start from (area id → JSON assigned over the area's init()). */
  state?: Record<string, unknown>;
}

export interface GoldenCase {
  area: string;
  /** File stem: `in-plain`, `out-xhtml`, … */
  name: string;
  direction: 'in' | 'out';
  jsonPath: string;
  /** The XML file, when it exists. */
  xmlPath: string | undefined;
}

const IN_KEYS = new Set(['events', 'sent', 'state']);
const OUT_KEYS = new Set(['action', 'body', 'result', 'iqReply', 'error', 'schemaError', 'events', 'incoming', 'state']);

/** Every case under the fixture root, plus problems with the files themselves (orphans, strays). */
export function discoverCases(root: URL): { areas: string[]; cases: GoldenCase[]; problems: string[] } {
  const rootPath = fileURLToPath(root);
  const areas = readdirSync(rootPath)
    .filter((name) => statSync(`${rootPath}${name}`).isDirectory())
    .sort();
  const cases: GoldenCase[] = [];
  const problems: string[] = [];
  for (const area of areas) {
    const dir = `${rootPath}${area}/`;
    const files = new Set(readdirSync(dir));
    for (const file of [...files].sort()) {
      // The area's own end-to-end tests live beside its fixtures (test/ mirrors src/xeps/).
      if (file.endsWith('.test.ts')) continue;
      const m = /^(in|out)-([a-z0-9][a-z0-9-]*)\.(xml|json)$/.exec(file);
      if (!m) {
        problems.push(`${area}/${file}: not a fixture name (in-<case>.xml|json or out-<case>.json|xml)`);
        continue;
      }
      const [, direction, , ext] = m as unknown as [string, 'in' | 'out', string, string];
      const stem = file.replace(/\.(xml|json)$/, '');
      if (ext === 'xml') {
        if (!files.has(`${stem}.json`)) problems.push(`${area}/${file}: has no ${stem}.json`);
        continue;
      }
      const xml = files.has(`${stem}.xml`) ? `${dir}${stem}.xml` : undefined;
      if (direction === 'in' && xml === undefined) problems.push(`${area}/${file}: has no ${stem}.xml`);
      cases.push({ area, name: stem, direction, jsonPath: `${dir}${file}`, xmlPath: xml });
    }
  }
  return { areas, cases, problems };
}

/**
 * A fixture file's text with the gateway's own caps filled in: `{{gatewayCapsVer}}` and
 * `{{gatewayFeatures}}` (its <feature/> elements, sorted). They change whenever an area adds a
 * feature; test/unit/caps.test.ts proves the ver itself against XEP-0115's examples and the
 * gateway's disco#info answer.
 */
export function readFixture(path: string): string {
  const features = gatewayFeatures();
  return readFileSync(path, 'utf8')
    .replaceAll('{{gatewayCapsVer}}', capsVer([GATEWAY_IDENTITY], features))
    .replaceAll('{{gatewayFeatures}}', features.map((f) => `<feature var='${f}'/>`).join(''));
}

export function readJson(path: string, allowed: Set<string>): Record<string, unknown> {
  const value = JSON.parse(readFixture(path)) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path}: not a JSON object`);
  const unknown = Object.keys(value).filter((k) => !allowed.has(k));
  if (unknown.length > 0) throw new Error(`${path}: unknown key(s) ${unknown.join(', ')} (allowed: ${[...allowed].join(', ')})`);
  return value as Record<string, unknown>;
}

export const readIncoming = (path: string) => readJson(path, IN_KEYS) as unknown as IncomingFixture;
export const readOutgoing = (path: string) => readJson(path, OUT_KEYS) as unknown as OutgoingFixture;

// ---------------------------------------------------------------------------------------------
// XML: parsing fixtures and the canonical form stanzas are compared in

/** Drops indentation: whitespace-only text that contains a line break (a lone space between inline XHTML elements stays). */
function dropIndentation(el: Element): Element {
  el.children = el.children.filter((c) => typeof c !== 'string' || !/^\s*$/.test(c) || !c.includes('\n'));
  for (const c of el.children) if (typeof c !== 'string') dropIndentation(c);
  return el;
}

/** One stanza as received from the wire (detached, pretty-printing removed). */
export function parseStanza(xml: string): Element {
  const el = dropIndentation(parse(xml.trim()));
  el.parent = null;
  return el;
}

/** One or more stanzas in document order (an XML file may hold several top-level elements). */
export function parseStanzas(xml: string): Element[] {
  const wrapper = parse(`<golden-fixture>${xml.replace(/^\s*<\?xml[^>]*\?>/, '')}</golden-fixture>`);
  return wrapper.getChildElements().map((el) => dropIndentation(el));
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

/**
 * The canonical form: one element or text per line, namespaces resolved (written where an element's
 * namespace differs from its parent's; a stanza without xmlns is in jabber:client, the stream's
 * default), attributes sorted, undefined attributes and whitespace-only text dropped, adjacent text merged.
 */
export function canonical(el: Element, parentNs?: string, depth = 0): string {
  const ns = el.getNS() ?? parentNs ?? 'jabber:client';
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(el.attrs)
    .filter(([k, v]) => v !== undefined && v !== null && k !== 'xmlns' && !k.startsWith('xmlns:'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`);
  const open = `<${el.name}${ns !== parentNs ? ` xmlns="${escapeAttr(ns)}"` : ''}${attrs.join('')}`;
  const kids: Array<Element | string> = [];
  for (const c of el.children) {
    if (typeof c === 'string') {
      const last = kids[kids.length - 1];
      if (typeof last === 'string') kids[kids.length - 1] = last + c;
      else kids.push(c);
    } else kids.push(c);
  }
  const content = kids.filter((c) => typeof c !== 'string' || c.trim() !== '');
  if (content.length === 0) return `${pad}${open}/>`;
  if (content.length === 1 && typeof content[0] === 'string') return `${pad}${open}>${escapeText(content[0])}</${el.name}>`;
  const inner = content.map((c) => (typeof c === 'string' ? `${pad}  ${JSON.stringify(c)}` : canonical(c, ns, depth + 1)));
  return `${pad}${open}>\n${inner.join('\n')}\n${pad}</${el.name}>`;
}

export const canonicalAll = (stanzas: Element[]) => stanzas.map((s) => canonical(s)).join('\n');

// ---------------------------------------------------------------------------------------------
// The registry, as the worker and the HTTP thread see it

/** An action as the golden runner drives it: its declaration (API side) and its handler (worker side). */
export interface GoldenAction {
  name: string;
  body: TSchema;
  response: TSchema;
  messages?: Record<string, MessageOverride>;
  handler(ctx: XmppContext, body: unknown): Promise<unknown>;
}

export interface Registry {
  areas: readonly Area[];
  /** The worker sides loaded, as a worker thread holds them (dispatch table, handlers, features). */
  loaded: LoadedAreas;
  /** Every area's incoming keys, by area id. */
  incomingKeys: Map<string, string[]>;
  actions: Map<string, GoldenAction>;
  /** Action name → id of the area declaring it. */
  actionArea: Map<string, string>;
  eventSchemas: Map<string, TSchema>;
  features: string[];
}

/** Loads every area's worker side, as a worker thread does; `areas` in any order (the order must not matter). */
export async function loadRegistry(areas: readonly Area[] = registry): Promise<Registry> {
  const workers: Array<[Area, LoadedWorker]> = await Promise.all(areas.map(async (a) => [a, await a.load()] as [Area, LoadedWorker]));
  const loaded = buildAreas(workers);
  const actions = new Map<string, GoldenAction>();
  const actionArea = new Map<string, string>();
  const eventSchemas = new Map<string, TSchema>();
  const incomingKeys = new Map(workers.map(([a, w]) => [a.api.id, (w.incoming ?? []).map((inc) => inc.key)]));
  for (const [name, { area, spec, sessionless }] of declaredActions(areas)) {
    // Sessionless actions run on an unauthenticated stream, which the fake session does not play.
    if (sessionless) continue;
    const handler = loaded.actions.get(name)!;
    actions.set(name, { name, body: spec.body, response: spec.response, ...(spec.messages && { messages: spec.messages }), handler });
    actionArea.set(name, area.id);
  }
  for (const { api } of areas) for (const [name, e] of Object.entries(api.events ?? {})) eventSchemas.set(name, e.schema);
  // The gateway's own event that areas emit too (src/http/openapi.ts).
  eventSchemas.set('xmpp.gateway.warning', GatewayWarningEvent);
  return { areas, loaded, incomingKeys, actions, actionArea, eventSchemas, features: gatewayFeatures(areas) };
}

// src/schemas.ts builds StringEnum with Type.Unsafe and registers no kind for it, so TypeBox's
// Value.Check / Value.Errors throw "Unknown type" on any schema that contains one (chat `format`,
// `state`, presence `show`, …). Register a checker for exactly the JSON Schema it produces
// ({ type: 'string', enum: [...] }); any other Unsafe schema fails loudly instead of passing.
const unsafeValidators = new WeakMap<object, ValidateFunction>();
function unsafeValidator(schema: Record<string, unknown>): ValidateFunction {
  let validate = unsafeValidators.get(schema);
  if (!validate) {
    validate = new Ajv({ strict: false, allErrors: false }).compile(schema);
    unsafeValidators.set(schema, validate);
  }
  return validate;
}
if (!TypeRegistry.Has('Unsafe')) {
  TypeRegistry.Set('Unsafe', (schema: Record<string, unknown>, value: unknown) => {
    const keys = Object.keys(schema).filter((k) => k !== 'description');
    if (schema.type === 'string' && Array.isArray(schema.enum) && keys.every((k) => k === 'type' || k === 'enum')) {
      return typeof value === 'string' && schema.enum.includes(value);
    }
    // Any other Unsafe schema is plain JSON Schema (e.g. the item parser's ItemEntry): check it as fastify would.
    if (typeof schema.type === 'string' || Array.isArray(schema.type)) return unsafeValidator(schema)(value);
    throw new Error(`golden runner: cannot check Type.Unsafe schema ${JSON.stringify(schema)} (kind ${String(schema[Kind as never])})`);
  });
}

/** Describes why `data` does not satisfy the event's schema; undefined when it does. */
export function eventSchemaProblem(reg: Registry, event: EmittedEvent): string | undefined {
  const schema = reg.eventSchemas.get(event.event);
  if (!schema) return `event ${event.event} is not declared by any registered module`;
  if (Value.Check(schema, event.data)) return undefined;
  const list = [...Value.Errors(schema, event.data)].map((e) => `  ${e.path || '/'}: ${e.message} (got ${JSON.stringify(e.value)})`);
  return `data of ${event.event} does not satisfy its schema:\n${list.join('\n')}`;
}

/** Describes why a value does not satisfy a TypeBox schema (for action results). */
export function schemaProblem(schema: TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  return [...Value.Errors(schema, value)].map((e) => `  ${e.path || '/'}: ${e.message}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Body validation exactly as fastify does it (its ajv-compiler defaults, then ajvOptions.customOptions, then ajv-formats)

const FASTIFY_AJV_DEFAULTS = {
  coerceTypes: 'array',
  useDefaults: true,
  removeAdditional: true,
  addUsedSchema: false,
  allErrors: false,
} as const;

export function bodyValidator(): (
  action: GoldenAction,
  body: unknown,
) => { valid: true; body: unknown } | { valid: false; errors: ErrorObject[] } {
  const ajv = new Ajv({ ...FASTIFY_AJV_DEFAULTS, ...ajvOptions.customOptions });
  addFormats.default(ajv);
  const compiled = new Map<string, ValidateFunction>();
  return (action, body) => {
    let validate = compiled.get(action.name);
    if (!validate) {
      validate = ajv.compile(action.body);
      compiled.set(action.name, validate);
    }
    const copy = structuredClone(body);
    return validate(copy) ? { valid: true, body: copy } : { valid: false, errors: [...(validate.errors ?? [])] };
  };
}

export function describeAjvErrors(action: GoldenAction, ajvErrors: ErrorObject[]): string {
  return describeValidation(ajvErrors as unknown as FastifySchemaValidationError[], action.messages).description;
}

// ---------------------------------------------------------------------------------------------
// A fake session: the XmppContext the handlers get, recording what they do

export interface FakeSession {
  ctx: XmppContext;
  /** Every stanza sent (send and iq), in order. */
  sent: Element[];
  events: EmittedEvent[];
  /** IQ replies not consumed by the action. */
  unusedReplies(): number;
}

/** How long the fake session waits for a non-IQ answer (XmppContext.timeoutMs): short, cases run in-process. */
export const FAKE_TIMEOUT_MS = 200;

/** The fake session's configured limits (XmppContext.limits): small enough for a case to reach. */
export const FAKE_LIMITS = {
  mamMaxResults: 10,
  unknownStanzaMaxBytes: 2048,
  unknownStanzasPerMinute: 60,
  superfeedrJid: 'superfeedr.localhost',
  fanoutJid: 'fanout.localhost',
  avatarMaxBytes: 64,
} as const;

export interface FakeSessionOptions {
  /** Per-area state seeds (see the "state" fixture key). */
  state?: Record<string, unknown>;
  /** Called after each stanza the session sends (the runner uses it to deliver "incoming"); `iq`: its reply comes next. */
  onSend?: (iq: boolean) => void;
}

export function fakeSession(features: readonly string[], iqReplies: Element[] = [], options: FakeSessionOptions = {}): FakeSession {
  const sent: Element[] = [];
  const events: EmittedEvent[] = [];
  const areaState = new Map<string, unknown>();
  const replies = [...iqReplies];
  let next = 0;
  const newId = () => `id-${++next}`;
  // The real responder check: a reply from the wrong entity or with the wrong id is ignored, which
  // in a live session ends in the request timing out.
  const tracker = new IqTracker(() => OWN_JID);
  // Held requests are real too; their timeout never fires within a case.
  const held = new HeldRequests((stanza) => sent.push(stanza), 60_000);
  const ctx: XmppContext = {
    hold: (kind, stanza, onTimeout) => held.hold(kind, stanza, onTimeout),
    release: (kind, to, id) => held.release(kind, to, id),
    jid: OWN_JID,
    bareJid: 'alice@localhost',
    domain: 'localhost',
    features,
    newId,
    send: (stanza) => {
      sent.push(stanza);
      options.onSend?.(false);
    },
    emit: (name, data) => {
      events.push({ event: name, data });
    },
    iq: (stanza) => {
      stanza.attrs.id ??= newId();
      const pending = tracker.track(stanza, 60_000, () => {
        sent.push(stanza);
        options.onSend?.(true);
      });
      const reply = replies.shift();
      if (!reply) tracker.rejectAll(new Error(`the action sent an IQ (id ${stanza.attrs.id}) but the fixture has no iqReply for it`));
      else if (!tracker.handle(reply)) tracker.rejectAll(errors.timeout());
      return pending;
    },
    state: <T>(areaId: string, init: () => T): T => {
      if (!areaState.has(areaId)) {
        const seed = options.state?.[areaId];
        areaState.set(areaId, seed === undefined ? init() : Object.assign(init() as object, structuredClone(seed)));
      }
      return areaState.get(areaId) as T;
    },
    timeoutMs: FAKE_TIMEOUT_MS,
    limits: FAKE_LIMITS,
  };
  return { ctx, sent, events, unusedReplies: () => replies.length };
}

// ---------------------------------------------------------------------------------------------
// Incoming: the same dispatcher and receive path as the worker session (src/xmpp/incoming.ts)

export interface IncomingOutcome {
  events: EmittedEvent[];
  sent: Element[];
}

export function runIncoming(reg: Registry, stanza: Element, state?: Record<string, unknown>): IncomingOutcome {
  const session = fakeSession(reg.features, [], { ...(state && { state }) });
  receiveStanza(reg.loaded.dispatcher, session.ctx, stanza);
  return { events: session.events, sent: session.sent };
}

// ---------------------------------------------------------------------------------------------
// Outgoing: an action's handler against the fake session

export type ActionOutcome =
  | { ok: true; result: unknown; sent: Element[]; events: EmittedEvent[]; unusedReplies: number }
  | { ok: false; error: unknown; sent: Element[]; events: EmittedEvent[]; unusedReplies: number };

export async function runAction(
  reg: Registry,
  action: GoldenAction,
  body: unknown,
  iqReplies: Element[],
  extra: { incoming?: Element[]; state?: Record<string, unknown> } = {},
): Promise<ActionOutcome> {
  let pendingIncoming = [...(extra.incoming ?? [])];
  // After a plain stanza: asynchronously, as from the wire (the action is waiting by then). After an
  // IQ request: at once, so they come before its reply.
  const deliver = (iq: boolean) => {
    const batch = pendingIncoming;
    pendingIncoming = [];
    const run = () => batch.forEach((s) => receiveStanza(dispatcher, session.ctx, s));
    if (batch.length === 0) return;
    if (iq) run();
    else setImmediate(run);
  };
  const session = fakeSession(reg.features, iqReplies, { ...(extra.state && { state: extra.state }), onSend: deliver });
  const dispatcher = reg.loaded.dispatcher;
  const common = () => ({ sent: session.sent, events: session.events, unusedReplies: session.unusedReplies() });
  try {
    const result = await action.handler(session.ctx, body);
    return { ok: true, result, ...common() };
  } catch (error) {
    return { ok: false, error, ...common() };
  }
}

/** The { status, body } of a thrown error, or a description of what was thrown instead. */
export function errorShape(err: unknown): { status: number; body: unknown } | string {
  if (err instanceof GatewayError || isGatewayErrorLike(err)) return { status: err.status, body: err.body };
  return `not a GatewayError: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}

/** What a client sees after JSON serialisation (undefined-valued keys disappear). */
export function wire<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Every dispatch key a stanza produces (for the coverage check of incoming keys). */
export { stanzaKeys } from '../../src/xmpp/dispatch.js';

// The golden-pair runner: every fixture folder under test/xeps/ (named after an area id) is read at
// run time from the source tree; each case is one subtest `<area>/<in|out>-<case>`. Adding a case
// adds files only. The format is described in test/helpers/golden.ts.
//
// Every case runs twice: with the registry as listed and with its order reversed. The registry's
// order must mean nothing (areas that claim one stanza declare their precedence), so both runs
// must give the same result.
import t, { type Test as TapTest } from 'tap';
import { registry } from '../../src/xeps/index.js';
import { UNCLAIMED } from '../../src/xmpp/dispatch.js';
import type { BuiltPlugins } from '@tapjs/test';
import {
  bodyValidator,
  canonicalAll,
  describeAjvErrors,
  discoverCases,
  errorShape,
  eventSchemaProblem,
  type GoldenCase,
  loadRegistry,
  type Registry,
  parseStanza,
  parseStanzas,
  readFixture,
  readIncoming,
  readOutgoing,
  runAction,
  runIncoming,
  schemaProblem,
  stanzaKeys,
  wire,
} from '../helpers/golden.js';

// dist/test/xeps/golden.test.js → <repo>/test/xeps/
const FIXTURES = new URL('../../../test/xeps/', import.meta.url);

type Test = TapTest & BuiltPlugins;

const orders: Array<[string, Registry]> = [
  ['registry order', await loadRegistry(registry)],
  ['reversed order', await loadRegistry([...registry].reverse())],
];
const reg = orders[0]![1];
const validate = bodyValidator();
const { areas, cases, problems } = discoverCases(FIXTURES);

t.test('fixture folders and files', async (t) => {
  t.ok(cases.length > 0, `cases found under ${FIXTURES.pathname}`);
  t.strictSame(problems, [], 'every fixture file is part of a well-named pair');
  const ids = reg.areas.map((a) => a.api.id);
  for (const area of areas) t.ok(ids.includes(area), `folder ${area} is a registry area id (${ids.join(', ')})`);
});

async function incomingCase(t: Test, reg: Registry, c: GoldenCase): Promise<void> {
  const fx = readIncoming(c.jsonPath);
  const stanza = parseStanza(readFixture(c.xmlPath!));
  const out = runIncoming(reg, stanza, fx.state);

  t.strictSame(wire(out.events), fx.events, 'events emitted, in order');
  for (const e of wire(out.events)) {
    const problem = eventSchemaProblem(reg, e);
    if (problem) t.fail(problem);
    else t.pass(`${e.event} data satisfies its schema`);
  }
  const expected = (fx.sent ?? []).map((s) => parseStanza(s));
  t.equal(canonicalAll(out.sent), canonicalAll(expected), expected.length ? 'stanzas sent in reply' : 'nothing sent in reply');
}

async function outgoingCase(t: Test, reg: Registry, c: GoldenCase): Promise<void> {
  const fx = readOutgoing(c.jsonPath);
  const action = reg.actions.get(fx.action);
  if (!action) {
    t.fail(`unknown action ${fx.action}`);
    return;
  }
  t.equal(reg.actionArea.get(fx.action), c.area, `action ${fx.action} is declared by the area of this folder`);

  const validation = validate(action, fx.body);
  if (fx.schemaError !== undefined) {
    if (validation.valid) t.fail(`the body passed schema validation; expected "${fx.schemaError}"`);
    else t.equal(describeAjvErrors(action, validation.errors), fx.schemaError, 'validation message (describeValidation)');
    t.equal(c.xmlPath, undefined, 'a schema-error case has no .xml: nothing is sent');
    for (const k of ['result', 'iqReply', 'error', 'events', 'incoming'] as const)
      t.equal(fx[k], undefined, `a schema-error case has no "${k}"`);
    return;
  }
  if (!validation.valid) {
    t.fail(
      `the body fails the action's schema: ${describeAjvErrors(action, validation.errors)}\n${JSON.stringify(validation.errors, null, 2)}`,
    );
    return;
  }

  const replies = (fx.iqReply === undefined ? [] : Array.isArray(fx.iqReply) ? fx.iqReply : [fx.iqReply]).map((s) => parseStanza(s));
  const incoming = (fx.incoming ?? []).map((s) => parseStanza(s));
  const out = await runAction(reg, action, validation.body, replies, { incoming, ...(fx.state && { state: fx.state }) });

  const expectedSent = c.xmlPath ? parseStanzas(readFixture(c.xmlPath)) : [];
  t.equal(canonicalAll(out.sent), canonicalAll(expectedSent), c.xmlPath ? 'stanza(s) sent' : 'nothing sent');
  t.equal(out.unusedReplies, 0, 'every iqReply was asked for');
  t.strictSame(wire(out.events), fx.events ?? [], 'events emitted');

  if (fx.error !== undefined) {
    if (out.ok) t.fail(`expected an error; the action answered ${JSON.stringify(out.result)}`);
    else t.strictSame(wire(errorShape(out.error)), fx.error, 'error thrown ({ status, body })');
    return;
  }
  if (!out.ok) {
    const shape = errorShape(out.error);
    t.fail(`the action threw ${typeof shape === 'string' ? shape : JSON.stringify(shape)}`);
    return;
  }
  if (fx.result !== undefined) t.strictSame(wire(out.result), fx.result, 'result');
  const problem = schemaProblem(action.response, wire(out.result));
  if (problem) t.fail(`the result does not satisfy the action's response schema:\n${problem}`);
  else t.pass('the result satisfies the response schema');
}

for (const c of cases) {
  t.test(`${c.area}/${c.name}`, async (t) => {
    for (const [order, r] of orders) {
      await t.test(order, (t) => (c.direction === 'in' ? incomingCase(t, r, c) : outgoingCase(t, r, c)));
    }
  });
}

// Every action, event and incoming key of an area with a fixture folder has at least one case.
t.test('coverage', async (t) => {
  for (const area of areas) {
    const found = reg.areas.find((a) => a.api.id === area);
    if (!found) continue;
    const { api } = found;
    const mine = cases.filter((c) => c.area === area);
    const actions = new Set<string>();
    const events = new Set<string>();
    const keys = new Set<string>();
    for (const c of mine) {
      try {
        if (c.direction === 'out') {
          const fx = readOutgoing(c.jsonPath);
          actions.add(fx.action);
          // Some events only arise while an action runs (an archive query's messages).
          for (const e of fx.events ?? []) events.add(e.event);
        } else {
          const fx = readIncoming(c.jsonPath);
          for (const e of fx.events) events.add(e.event);
          for (const k of stanzaKeys(parseStanza(readFixture(c.xmlPath!)))) keys.add(k);
          // No stanza computes the fallback key: it is hit when a case expects the fallback area's own event.
          if (fx.events.some((e) => e.event in (api.events ?? {}))) keys.add(UNCLAIMED);
        }
      } catch {
        /* reported by the case itself */
      }
    }
    for (const name of Object.keys(api.actions)) t.ok(actions.has(name), `${area}: action ${name} has an out- case`);
    for (const name of Object.keys(api.events ?? {})) t.ok(events.has(name), `${area}: event ${name} is expected by a case`);
    for (const key of new Set(reg.incomingKeys.get(area))) t.ok(keys.has(key), `${area}: incoming key ${key} is hit by an in- case`);
  }
});

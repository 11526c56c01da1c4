// The two sides of an area are tied together by their types (src/xeps/area.ts): this file only
// compiles while a worker side that lacks a handler, or has one of the wrong type, is an error —
// `npm test` builds it first, so a regression fails the build. At run time, buildAreas refuses a
// worker side without a handler too (a cast could hide one).
import { Type } from '@sinclair/typebox';
import t from 'tap';
import { buildAreas } from '../../src/workers/areas.js';
import { area, defineApi, defineWorker } from '../../src/xeps/area.js';

const api = defineApi({
  id: 'test-area',
  tag: 'test',
  spec: 'none',
  actions: {
    'test.echo': { summary: 'echo', body: Type.Object({ text: Type.String() }), response: Type.Object({ text: Type.String() }) },
    'test.other': { summary: 'other', body: Type.Object({}), response: Type.Object({}) },
  },
});

export const complete = defineWorker(api, {
  actions: {
    'test.echo': async (_ctx, body) => ({ text: body.text }),
    'test.other': async () => ({}),
  },
});

// @ts-expect-error -- 'test.other' has no handler
export const missing = defineWorker(api, { actions: { 'test.echo': async (_ctx, body) => ({ text: body.text }) } });

export const wrongResult = defineWorker(api, {
  actions: {
    // @ts-expect-error -- the answer must be { text: string }
    'test.echo': async () => ({ txt: 'x' }),
    'test.other': async () => ({}),
  },
});

// @ts-expect-error -- the loader must give this API side's worker
export const mismatched = area(api, async () => ({ worker: { actions: { 'test.echo': async () => ({ text: '' }) } } }));

t.test('a worker side without a handler for a declared action is refused when the tables are built', async (t) => {
  const entry = area(api, async () => ({ worker: complete }));
  t.doesNotThrow(() => buildAreas([[entry, { actions: { 'test.echo': async () => ({}), 'test.other': async () => ({}) } }]]));
  t.throws(
    () => buildAreas([[entry, { actions: { 'test.echo': async () => ({}) } }]]),
    /Area test-area declares action test\.other but its worker side has no handler/,
  );
});

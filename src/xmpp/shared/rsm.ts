// XEP-0059 Result Set Management: the request key `rsm` and the page in responses (catalogue §8).
import { Type, type Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { NS } from '../ns.js';

export const RsmRequestSchema = Type.Object(
  {
    max: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    after: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Boolean()], { description: 'true: the first page' })),
    before: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Boolean()], { description: 'true: the last page' })),
    index: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, description: 'XEP-0059 paging request' },
);
export type RsmRequest = Static<typeof RsmRequestSchema>;

export const RsmPageSchema = Type.Object(
  {
    count: Type.Optional(Type.Integer()),
    first: Type.Optional(Type.String()),
    'first-index': Type.Optional(Type.String()),
    last: Type.Optional(Type.String()),
  },
  { description: 'XEP-0059 page of a response' },
);
export type RsmPage = Static<typeof RsmPageSchema>;

/** set[rsm] with one child per key present, in XMPP-FTW's order; `true` is an empty element, `false` none. */
export function buildRsm(rsm: RsmRequest): Element {
  const set = createElement('set', { xmlns: NS.rsm });
  for (const key of ['max', 'after', 'before', 'index'] as const) {
    const value = rsm[key];
    if (value === undefined || value === false) continue;
    const child = createElement(key);
    if (value !== true) child.t(String(value));
    set.cnode(child);
  }
  return set;
}

export function parseRsm(parent: Element | undefined): RsmPage | undefined {
  const set = parent?.getChild('set', NS.rsm);
  if (!set) return undefined;
  const page: RsmPage = {};
  const count = set.getChildText('count');
  if (count !== null && /^\d+$/.test(count)) page.count = Number(count);
  const first = set.getChild('first');
  if (first) {
    page.first = first.getText();
    if (first.attrs.index !== undefined) page['first-index'] = first.attrs.index;
  }
  const last = set.getChildText('last');
  if (last !== null) page.last = last;
  return page;
}

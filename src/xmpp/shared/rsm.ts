// XEP-0059 Result Set Management: the request key `rsm` and the page in responses.
import type { RsmPage, RsmRequest } from '../../schemas/rsm.js';
import { createElement, type Element } from 'ltx';
import type { Field } from '../mapping-kit.js';
import { NS } from '../ns.js';

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

/** The request's set as a mapping field (written only: answers are read with parseRsm). */
export const rsmSet: Field<never, RsmRequest> = {
  read: () => undefined,
  write: (el, value) => {
    el.cnode(buildRsm(value));
  },
};

// XEP-0030 disco#info / disco#items queries and answers, with XEP-0128 forms and XEP-0059 sets,
// declared once for both directions.
import { createElement, type Element } from 'ltx';
import { define, type Field, type Mapping } from '../../xmpp/kit.js';
import { NS } from '../../xmpp/ns.js';
import { parseForm, type Form } from '../../xmpp/shared/forms.js';
import { buildRsm, parseRsm, type RsmPage, type RsmRequest } from '../../xmpp/shared/rsm.js';

/** XMPP-FTW copied only non-empty attributes. */
const nonEmpty = (name: string): Field<string> => ({
  read: (el) => {
    const v = el.attrs[name];
    return v !== undefined && v !== '' ? v : undefined;
  },
  write: (el, value) => {
    if (value !== '') el.attrs[name] = String(value);
  },
});

const rsmRequest: Field<RsmRequest> = {
  // Requests to this session are never paged (its answers are tiny): only the outgoing side writes a set.
  read: () => undefined,
  write: (el, value) => {
    el.cnode(buildRsm(value));
  },
};

export interface DiscoQuery {
  node?: string;
  rsm?: RsmRequest;
}
const queryFields = { node: nonEmpty('node'), rsm: rsmRequest };
export const infoQuery = define<DiscoQuery>('query', NS.discoInfo, queryFields);
export const itemsQuery = define<DiscoQuery>('query', NS.discoItems, queryFields);

/** The disco#info or disco#items request: iq get › query node? › set? */
export function discoRequest(mapping: Mapping<DiscoQuery>, to: string, id: string, query: DiscoQuery): Element {
  const iq = createElement('iq', { type: 'get', to, id });
  iq.cnode(mapping.build(query));
  return iq;
}

export interface DiscoItem {
  jid?: string;
  node?: string;
  name?: string;
}
export const discoItem = define<DiscoItem>('item', NS.discoItems, { jid: nonEmpty('jid'), node: nonEmpty('node'), name: nonEmpty('name') });

export type InfoKind = 'identity' | 'feature' | 'item';
export interface InfoAttributes {
  category?: string;
  type?: string;
  name?: string;
  var?: string;
  jid?: string;
  node?: string;
}
export type InfoEntry = ({ kind: InfoKind } & InfoAttributes) | { kind: 'form'; form: Form };

// XMPP-FTW's one attribute list for every kind of entry, both ways.
const infoAttributes: Record<keyof InfoAttributes, Field<string>> = {
  category: nonEmpty('category'),
  type: nonEmpty('type'),
  name: nonEmpty('name'),
  var: nonEmpty('var'),
  jid: nonEmpty('jid'),
  node: nonEmpty('node'),
};
export const infoEntries: Record<InfoKind, Mapping<InfoAttributes>> = {
  identity: define<InfoAttributes>('identity', NS.discoInfo, infoAttributes),
  feature: define<InfoAttributes>('feature', NS.discoInfo, infoAttributes),
  item: define<InfoAttributes>('item', NS.discoInfo, infoAttributes),
};
const isInfoKind = (name: string): name is InfoKind => Object.hasOwn(infoEntries, name);

/** The children of a disco#info answer in document order; an RSM set is returned beside them, never as an entry. */
export function parseInfo(query: Element | undefined): InfoEntry[] {
  const entries: InfoEntry[] = [];
  for (const c of query?.getChildElements() ?? []) {
    const ns = c.getNS();
    if (c.name === 'x' && ns === NS.data) entries.push({ kind: 'form', form: parseForm(c) });
    else if (ns === NS.discoInfo && isInfoKind(c.name)) entries.push({ kind: c.name, ...infoEntries[c.name].parse(c) });
  }
  return entries;
}

export function parseItems(query: Element | undefined): DiscoItem[] {
  return (query?.getChildren('item', NS.discoItems) ?? []).map((i) => discoItem.parse(i));
}

/** XMPP-FTW's callback data: the list alone, or `{ items, rsm }` when the answer carried a set. */
export function paged<T>(items: T[], query: Element | undefined): T[] | { items: T[]; rsm: RsmPage } {
  const rsm = parseRsm(query);
  return rsm ? { items, rsm } : items;
}

/** The disco#info answer to `request`, keeping the node it asked about. */
export function infoAnswer(request: Element, entries: ReadonlyArray<{ kind: InfoKind } & InfoAttributes>): Element {
  const asked = request.getChild('query', NS.discoInfo);
  const query = infoQuery.build({ ...(asked && infoQuery.parse(asked)) });
  for (const { kind, ...attrs } of entries) query.cnode(infoEntries[kind].build(attrs));
  return query;
}

// XEP-0030 disco#info / disco#items queries and answers, with XEP-0128 forms and XEP-0059 sets,
// declared once for both directions.
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import type { RsmRequest } from '../../schemas/rsm.js';
import { attr, children, define, type Field, nonEmpty, variants, writeOnly } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { formEntry } from '../../xmpp/shared/forms.js';
import { rsmSet } from '../../xmpp/shared/rsm.js';
import type { DiscoInfoEntry, DiscoItem } from './schema.js';

// XMPP-FTW copied only non-empty attributes.
const optional = (name: string) => nonEmpty(attr(name));

export const discoItem = define<Static<typeof DiscoItem>>('item', NS.discoItems, {
  jid: optional('jid'),
  node: optional('node'),
  name: optional('name'),
});

interface InfoAttributes {
  category?: string;
  type?: string;
  name?: string;
  var?: string;
  jid?: string;
  node?: string;
}
// XMPP-FTW's one attribute list for every kind of entry, both ways.
const infoAttributes = {
  category: optional('category'),
  type: optional('type'),
  name: optional('name'),
  var: optional('var'),
  jid: optional('jid'),
  node: optional('node'),
};
const entry = (name: string) => define<InfoAttributes>(name, NS.discoInfo, infoAttributes);

export type InfoEntry = Static<typeof DiscoInfoEntry>;
/** The entries of disco#info in document order; an RSM set is never an entry (it is read beside them). */
const infoEntries: Field<InfoEntry[]> = variants('kind', {
  identity: entry('identity'),
  feature: entry('feature'),
  item: entry('item'),
  form: formEntry,
});

// Requests to this session are never paged (its answers are tiny): only the outgoing side writes a set.
const rsm = writeOnly(rsmSet);

export const infoQuery = define<{ node?: string; entries?: InfoEntry[] }, { node?: string; rsm?: RsmRequest; entries?: InfoEntry[] }>(
  'query',
  NS.discoInfo,
  { node: optional('node'), rsm, entries: infoEntries },
);
export const itemsQuery = define<{ node?: string; items?: Static<typeof DiscoItem>[] }, { node?: string; rsm?: RsmRequest }>(
  'query',
  NS.discoItems,
  { node: optional('node'), rsm, items: children(discoItem) },
);

export function parseInfo(query: Element | undefined): InfoEntry[] {
  return (query && infoQuery.parse(query).entries) ?? [];
}

export function parseItems(query: Element | undefined): Static<typeof DiscoItem>[] {
  return (query && itemsQuery.parse(query).items) ?? [];
}

/** The disco#info answer to `request`, keeping the node it asked about. */
export function infoAnswer(request: Element, entries: InfoEntry[]): Element {
  const asked = request.getChild('query', NS.discoInfo);
  return infoQuery.build({ ...(asked && { node: infoQuery.parse(asked).node }), entries });
}

// XEP-0055 search queries and results, declared once: basic fields as child elements, or a
// jabber:iq:search data form; results as legacy <item/>s or a data form with <reported/>.
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import type { FormField, FormInput } from '../../schemas/forms.js';
import { appendChild, define, writeOnly, type Field } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { buildForm, findForm, parseForm } from '../../xmpp/shared/forms.js';
import type { SearchDoResult, SearchGetResult } from './schema.js';

const NS_SEARCH = NS.search;

export type BasicValues = Record<string, string | number | boolean>;

/** Basic (non-form) fields: one child element per key, its text the value. */
const basicFields: Field<BasicValues> = {
  read: (el) => {
    const out: BasicValues = {};
    for (const c of el.getChildElements()) if (c.getNS() === NS_SEARCH && c.name !== 'instructions') out[c.name] = c.getText();
    return Object.keys(out).length > 0 ? out : undefined;
  },
  write: (el, values) => {
    for (const [name, value] of Object.entries(values)) appendChild(el, name).t(String(value));
  },
};

const searchForm: Field<FormInput> = {
  read: () => undefined,
  write: (el, fields) => {
    el.cnode(buildForm(fields, NS_SEARCH));
  },
};

export interface SearchRequest {
  basic?: BasicValues;
  form?: FormInput;
}

export const searchQuery = define<SearchRequest>('query', NS_SEARCH, { basic: basicFields, form: writeOnly(searchForm) });

type SearchFields = Static<typeof SearchGetResult>;

/** The search form (XEP-0055 §3) when the service offers one, else the names of its basic fields (§2). */
export function parseSearchFields(query: Element | undefined): SearchFields {
  const instructions = query?.getChildText('instructions', NS_SEARCH) ?? null;
  const x = findForm(query);
  if (x) return { instructions, form: parseForm(x) };
  return { instructions, basic: Object.keys((query && basicFields.read(query)) ?? {}) };
}

type ResultValue = NonNullable<FormField['value']> | null;
type SearchResults = Static<typeof SearchDoResult>;

/** A form result (XEP-0055 §3): columns from <reported/>, values typed by them (multi → arrays, boolean → bool). */
function formResults(x: Element): SearchResults {
  const form = parseForm(x);
  const fields: SearchResults['fields'] = {};
  for (const f of form.reported ?? []) {
    if (f.var === undefined) continue;
    fields[f.var] = { ...(f.label !== undefined && { label: f.label }), ...(f.type !== undefined && { type: f.type }) };
  }
  const results = form.items.map((item) => {
    const row: Record<string, ResultValue> = {};
    for (const f of item) if (f.var !== undefined) row[f.var] = f.value ?? null;
    return row;
  });
  return { fields, results };
}

// Labels of XEP-0055 §2's fields, so basic results render like form results.
const BASIC_LABELS: Record<string, string> = { jid: 'JID', first: 'Given Name', last: 'Family Name', nick: 'Nickname', email: 'Email' };

/** Legacy results (XEP-0055 §2): `<item jid>` with one child per field → the same shape as a form result. */
function basicResults(query: Element): SearchResults {
  const fields: SearchResults['fields'] = {};
  const column = (name: string, type: string) => {
    fields[name] ??= { ...(BASIC_LABELS[name] !== undefined && { label: BASIC_LABELS[name] }), type };
  };
  const results = query.getChildren('item', NS_SEARCH).map((item) => {
    const row: Record<string, ResultValue> = {};
    if (item.attrs.jid !== undefined) {
      column('jid', 'jid-single');
      row.jid = item.attrs.jid;
    }
    for (const c of item.getChildElements()) {
      if (c.getNS() !== NS_SEARCH || c.name === 'jid') continue;
      column(c.name, 'text-single');
      row[c.name] = c.getText();
    }
    return row;
  });
  return { fields, results };
}

export function parseSearchResults(query: Element | undefined): SearchResults {
  if (!query) return { fields: {}, results: [] };
  const x = findForm(query);
  if (x?.getChild('reported')) return formResults(x);
  return basicResults(query);
}

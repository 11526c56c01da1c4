// XEP-0054 vCards: <vCard xmlns="vcard-temp"/> ⇄ the JSON of schema.ts, declared once with the
// mapping kit. What the JSON cannot say exactly is never dropped: such an element goes, whole, to
// `raw` as XML text (docs/vcard.md).
import { createHash } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { createElement, type Element, parse } from 'ltx';
import { errors } from '../../errors.js';
import { appendChild, child, childText, children, define, type Field } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { decodeBase64 } from '../xep0084-avatar/mapping.js';
import { ADR_TYPES, EMAIL_TYPES, MAX_ENTRIES, TEL_TYPES, Vcard } from './schema.js';

export type VcardJson = Static<typeof Vcard>;
type Known = Omit<VcardJson, 'raw'>;

// ---------------------------------------------------------------------------------------------
// The documented subset (XEP-0054 §4 DTD), children in vcard-temp (they inherit the namespace)

/** Type flags (<HOME/>, <INTERNET/>, …): empty children with one of the names, read lower-case, once each. */
const flags = <T extends string>(names: readonly T[]): Field<T[]> => ({
  read: (el) => {
    const found: T[] = [];
    for (const c of el.getChildElements()) {
      const name = names.find((one) => one.toUpperCase() === c.name);
      if (name !== undefined && !found.includes(name)) found.push(name);
    }
    return found.length > 0 ? found : undefined;
  },
  write: (el, values) => {
    for (const v of values) appendChild(el, v.toUpperCase());
  },
});

/** BINVAL: base64 that a publisher may wrap in whitespace (XEP-0054 §4: base64 per RFC 2045); read without it. */
const binval: Field<string> = {
  read: (el) => el.getChild('BINVAL')?.getText().replace(/\s+/g, ''),
  write: (el, value) => void appendChild(el, 'BINVAL').t(value),
};

const n = define<NonNullable<Known['n']>>('N', undefined, {
  family: childText('FAMILY'),
  given: childText('GIVEN'),
  middle: childText('MIDDLE'),
  prefix: childText('PREFIX'),
  suffix: childText('SUFFIX'),
});
const org = define<NonNullable<Known['org']>>('ORG', undefined, { name: childText('ORGNAME'), unit: childText('ORGUNIT') });
type Email = NonNullable<Known['email']>[number];
const email = define<Email>('EMAIL', undefined, { types: flags(EMAIL_TYPES), userid: childText('USERID') });
type Tel = NonNullable<Known['tel']>[number];
const tel = define<Tel>('TEL', undefined, { types: flags(TEL_TYPES), number: childText('NUMBER') });
type Adr = NonNullable<Known['adr']>[number];
const adr = define<Adr>('ADR', undefined, {
  types: flags(ADR_TYPES),
  pobox: childText('POBOX'),
  extadd: childText('EXTADD'),
  street: childText('STREET'),
  locality: childText('LOCALITY'),
  region: childText('REGION'),
  pcode: childText('PCODE'),
  ctry: childText('CTRY'),
});
const photo = define<NonNullable<Known['photo']>>('PHOTO', undefined, { type: childText('TYPE'), binval, extval: childText('EXTVAL') });

/** The vCard in XEP-0054's order; `raw` is written after these by buildVcard. */
const vcard = define<Known>('vCard', NS.vcard, {
  fn: childText('FN'),
  n: child(n),
  nickname: childText('NICKNAME'),
  photo: child(photo),
  bday: childText('BDAY'),
  adr: children(adr),
  tel: children(tel),
  email: children(email),
  jabberid: childText('JABBERID'),
  title: childText('TITLE'),
  role: childText('ROLE'),
  org: child(org),
  url: childText('URL'),
  desc: childText('DESC'),
});

const REPEATED = new Set(['EMAIL', 'TEL', 'ADR']);

/** XEP-0054 §4: a PHOTO is TYPE and BINVAL, or EXTVAL; never both. */
export const photoProblem = (p: Known['photo']): string | undefined =>
  p?.binval !== undefined && p.extval !== undefined ? "'photo' takes binval or extval, not both" : undefined;

// ---------------------------------------------------------------------------------------------
// Lossless reading: an element is mapped only when building its JSON again gives the same element

/** A comparable form: names with namespaces, attributes sorted, children in any order, blank text dropped. */
function canon(el: Element): string {
  const attrs = Object.entries(el.attrs)
    .filter(([k]) => k !== 'xmlns' && !k.startsWith('xmlns:'))
    .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
    .sort()
    .join(' ');
  const elements = el.getChildElements();
  let body: string;
  if (elements.length === 0) {
    const text = el.getText();
    body = JSON.stringify(el.name === 'BINVAL' ? text.replace(/\s+/g, '') : text);
  } else {
    const texts = el.children.filter((c): c is string => typeof c === 'string' && c.trim() !== '');
    body = [...elements.map(canon).sort(), ...texts.map((t) => JSON.stringify(t))].join('');
  }
  return `<${el.name}{${el.getNS() ?? ''}} ${attrs}>${body}</>`;
}

/** The JSON of one child of <vCard/>, when the JSON says all of it; else undefined (it goes to raw). */
function understood(c: Element): Known | undefined {
  if (c.getNS() !== NS.vcard) return undefined;
  const alone = createElement('vCard', { xmlns: NS.vcard });
  alone.children.push(c); // read only: c keeps its own parent
  const json = vcard.parse(alone);
  if (Object.keys(json).length !== 1 || !Value.Check(Vcard, json) || photoProblem(json.photo)) return undefined;
  const again = vcard.build(json).getChildElements();
  return again.length === 1 && again[0] !== undefined && canon(again[0]) === canon(c) ? json : undefined;
}

/** A deep copy (nothing here can throw on what came from the wire). */
function copyOf(el: Element): Element {
  const copy = createElement(el.name, { ...el.attrs });
  for (const c of el.children) {
    if (typeof c === 'string') copy.children.push(c);
    else copy.cnode(copyOf(c));
  }
  return copy;
}

/** XML text of elements of the vCard: a namespace other than vcard-temp that one inherits is written out. */
function xmlOf(nodes: readonly Element[]): string {
  return nodes
    .map((el) => {
      const prefix = el.name.includes(':') ? el.name.slice(0, el.name.indexOf(':')) : undefined;
      const decl = prefix === undefined ? 'xmlns' : `xmlns:${prefix}`;
      const ns = el.getNS();
      if (el.attrs[decl] === undefined && ns !== undefined && (prefix !== undefined || ns !== NS.vcard)) {
        const copy = copyOf(el);
        copy.attrs = { [decl]: ns, ...copy.attrs };
        return copy.toString();
      }
      return el.toString();
    })
    .join('');
}

/** The JSON of a <vCard/> element (docs/vcard.md). */
export function parseVcard(el: Element): VcardJson {
  const out: Record<string, unknown> = {};
  const raw: Element[] = [];
  for (const c of el.getChildElements()) {
    const json = understood(c);
    const [key, value] = json ? (Object.entries(json)[0] ?? []) : [];
    if (key === undefined) raw.push(c);
    else if (REPEATED.has(c.name)) {
      const list = (out[key] ??= []) as unknown[];
      if (list.length < MAX_ENTRIES) list.push(...(value as unknown[]));
      else raw.push(c);
    } else if (out[key] === undefined) out[key] = value;
    else raw.push(c); // a second FN, N, …: the first one is the JSON's
  }
  if (raw.length > 0) out.raw = xmlOf(raw);
  // Every key was set from a parse that passed Value.Check(Vcard, …) above.
  return out as VcardJson;
}

const MAX_RAW_DEPTH = 32;
const depthOf = (el: Element): number => 1 + Math.max(0, ...el.getChildElements().map(depthOf));

/** The elements of a client's `raw`, in vcard-temp unless they say otherwise. */
function rawElements(xml: string): Element[] {
  let root: Element;
  try {
    root = parse(`<x xmlns="${NS.vcard}">${xml}</x>`);
  } catch (e) {
    throw errors.clientError(`'raw' is not well-formed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (depthOf(root) > MAX_RAW_DEPTH + 1) throw errors.clientError(`'raw' is nested too deeply (at most ${MAX_RAW_DEPTH} levels)`);
  if (root.children.some((c) => typeof c === 'string' && c.trim() !== '')) {
    throw errors.clientError("'raw' must hold XML elements only, no text outside them");
  }
  return root.getChildElements().map((c) => {
    c.parent = null;
    return c;
  });
}

/** XEP-0054 §3.2: the <vCard/> of a set; `raw` is appended after the documented keys. */
export function buildVcard(json: VcardJson): Element {
  const { raw, ...known } = json;
  const el = vcard.build(known);
  if (raw !== undefined) for (const c of rawElements(raw)) el.cnode(c);
  return el;
}

export const emptyVcard = () => createElement('vCard', { xmlns: NS.vcard });

/** XEP-0153 §3.1: the SHA-1 (hex) of the photo's bytes; "" without BINVAL (or when it is not base64). */
export function photoHash(json: VcardJson): string {
  const bytes = json.photo?.binval !== undefined ? decodeBase64(json.photo.binval) : undefined;
  return bytes && bytes.length > 0 ? createHash('sha1').update(bytes).digest('hex') : '';
}

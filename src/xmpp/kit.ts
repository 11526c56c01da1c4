// The small declarative XML⇄JSON mapping kit: a mapping is declared once as an ordered set of
// fields, and the same declaration parses a stanza into JSON and builds a stanza from JSON.
import { Element, createElement } from 'ltx';
import { type Jid, jidFromWire, jidToString } from './jid.js';

export interface Field<T> {
  read(el: Element): T | undefined;
  write(el: Element, value: T): void;
}

export type Fields<T> = { [K in keyof T]-?: Field<Exclude<T[K], undefined>> };

export interface Mapping<T> {
  readonly name: string;
  readonly ns: string | undefined;
  parse(el: Element): T;
  build(value: T): Element;
  /** Writes the fields of `value` into an existing element (in declaration order). */
  fill(el: Element, value: T): Element;
}

export function define<T extends object>(name: string, ns: string | undefined, fields: Fields<T>): Mapping<T> {
  const entries = Object.entries(fields) as Array<[keyof T & string, Field<unknown>]>;
  const mapping: Mapping<T> = {
    name,
    ns,
    parse(el) {
      const out: Record<string, unknown> = {};
      for (const [key, field] of entries) {
        const value = field.read(el);
        if (value !== undefined) out[key] = value;
      }
      return out as T;
    },
    fill(el, value) {
      for (const [key, field] of entries) {
        const v = (value as Record<string, unknown>)[key];
        if (v !== undefined && v !== null) field.write(el, v);
      }
      return el;
    },
    build(value) {
      return mapping.fill(createElement(name, ns !== undefined ? { xmlns: ns } : {}), value);
    },
  };
  return mapping;
}

/** Creates a child element, giving it an xmlns only when it differs from its parent's. */
export function appendChild(parent: Element, name: string, ns?: string, attrs: Record<string, string> = {}): Element {
  const child = createElement(name, ns !== undefined && ns !== parent.getNS() ? { xmlns: ns, ...attrs } : attrs);
  parent.cnode(child);
  return child;
}

export const attr = (name: string): Field<string> => ({
  read: (el) => el.attrs[name] ?? undefined,
  write: (el, value) => {
    el.attrs[name] = String(value);
  },
});

export const jidAttr = (name: string): Field<Jid> => ({
  read: (el) => jidFromWire(el.attrs[name]),
  write: (el, value) => {
    el.attrs[name] = typeof value === 'string' ? value : jidToString(value);
  },
});

/** The element's own text content. */
export const text = (): Field<string> => ({
  read: (el) => (el.children.length > 0 ? el.getText() : undefined),
  write: (el, value) => {
    el.t(String(value));
  },
});

export const childText = (name: string, ns?: string): Field<string> => ({
  read: (el) => {
    const child = el.getChild(name, ns);
    return child ? child.getText() : undefined;
  },
  write: (el, value) => {
    appendChild(el, name, ns).t(String(value));
  },
});

export const childAttr = (name: string, ns: string | undefined, attrName: string): Field<string> => ({
  read: (el) => el.getChild(name, ns)?.attrs[attrName] ?? undefined,
  write: (el, value) => {
    appendChild(el, name, ns, { [attrName]: String(value) });
  },
});

/** An empty child whose presence means `true`. */
export const flag = (name: string, ns?: string): Field<true> => ({
  read: (el) => (el.getChild(name, ns) ? true : undefined),
  write: (el, value) => {
    if (value) appendChild(el, name, ns);
  },
});

export const child = <T extends object>(mapping: Mapping<T>): Field<T> => ({
  read: (el) => {
    const c = el.getChild(mapping.name, mapping.ns);
    return c ? mapping.parse(c) : undefined;
  },
  write: (el, value) => {
    el.cnode(mapping.build(value));
  },
});

export const children = <T extends object>(mapping: Mapping<T>): Field<T[]> => ({
  read: (el) => {
    const list = el.getChildren(mapping.name, mapping.ns);
    return list.length > 0 ? list.map((c) => mapping.parse(c)) : undefined;
  },
  write: (el, values) => {
    for (const v of values) el.cnode(mapping.build(v));
  },
});

export const childTexts = (name: string, ns?: string): Field<string[]> => ({
  read: (el) => {
    const list = el.getChildren(name, ns);
    return list.length > 0 ? list.map((c) => c.getText()) : undefined;
  },
  write: (el, values) => {
    for (const v of values) appendChild(el, name, ns).t(String(v));
  },
});

/** Reads/writes a field only; the other direction is a no-op (e.g. `to` is written, `from` is read). */
export const readOnly = <T>(field: Field<T>): Field<T> => ({ read: field.read, write: () => undefined });
export const writeOnly = <T>(field: Field<T>): Field<T> => ({ read: () => undefined, write: field.write });

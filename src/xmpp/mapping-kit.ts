// The declarative XML⇄JSON mapping kit: a mapping is declared once as an ordered set of fields,
// and the same declaration parses an element into JSON and builds an element from JSON.
//
// A field reads a value of type R and writes a value of type W (usually the same; a JID is read as
// an object and written from a string). Fields only one direction has are wrapped in readOnly() /
// writeOnly(). Words: attributes (attr, jidAttr), text (text, childText, childTexts), children
// (child, children, flag), repeated attributes (childAttrs), nested paths (at), typed scalars
// (int, bool, oneOf, nonEmpty), and children of several kinds in document order (variants).
import { Element, createElement } from 'ltx';
import { type Jid, jidFromWire, jidToString } from './jid.js';

export interface Field<R, W = R> {
  read(el: Element): R | undefined;
  write(el: Element, value: W): void;
}

type Val<T, K> = K extends keyof T ? Exclude<T[K], undefined> : never;
/** One field per key of the parsed shape R and the built shape W. */
export type Fields<R, W = R> = { [K in keyof R | keyof W]-?: Field<Val<R, K>, Val<W, K>> };

export interface Mapping<R, W = R> {
  readonly name: string;
  readonly ns: string | undefined;
  parse(el: Element): R;
  build(value: W): Element;
  /** Writes the fields of `value` into an existing element (in declaration order). */
  fill(el: Element, value: W): Element;
}

export function define<R extends object, W extends object = R>(name: string, ns: string | undefined, fields: Fields<R, W>): Mapping<R, W> {
  // Object.entries loses the key-to-field pairing of Fields<>; each field reads and writes its own key.
  const entries = Object.entries(fields) as Array<[string, Field<unknown, unknown>]>;
  const mapping: Mapping<R, W> = {
    name,
    ns,
    parse(el) {
      const out: Record<string, unknown> = {};
      for (const [key, field] of entries) {
        const value = field.read(el);
        if (value !== undefined) out[key] = value;
      }
      // Every key of R was read by its own field above.
      return out as R;
    },
    fill(el, value) {
      for (const [key, field] of entries) {
        // A mapping's value is an object whose keys are the mapping's own (declared above).
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

// ---------------------------------------------------------------------------------------------
// Attributes and text

export const attr = (name: string): Field<string> => ({
  read: (el) => el.attrs[name] ?? undefined,
  write: (el, value) => {
    el.attrs[name] = String(value);
  },
});

/** A JID attribute: read as the JID object, written from a string or an object. */
export const jidAttr = (name: string): Field<Jid, Jid | string> => ({
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

/** One attribute of each repeated child, in document order (children without it are skipped). */
export const childAttrs = (name: string, ns: string | undefined, attrName: string): Field<string[]> => ({
  read: (el) => {
    const values = el.getChildren(name, ns).flatMap((c) => (c.attrs[attrName] !== undefined ? [String(c.attrs[attrName])] : []));
    return values.length > 0 ? values : undefined;
  },
  write: (el, values) => {
    for (const v of values) appendChild(el, name, ns, { [attrName]: String(v) });
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

/** An empty child whose presence means `true`. */
export const flag = (name: string, ns?: string): Field<true> => ({
  read: (el) => (el.getChild(name, ns) ? true : undefined),
  write: (el, value) => {
    if (value) appendChild(el, name, ns);
  },
});

// ---------------------------------------------------------------------------------------------
// Children

export const child = <R extends object, W extends object = R>(mapping: Mapping<R, W>): Field<R, W> => ({
  read: (el) => {
    const c = el.getChild(mapping.name, mapping.ns);
    return c ? mapping.parse(c) : undefined;
  },
  write: (el, value) => {
    el.cnode(mapping.build(value));
  },
});

export const children = <R extends object, W extends object = R>(mapping: Mapping<R, W>): Field<R[], W[]> => ({
  read: (el) => {
    const list = el.getChildren(mapping.name, mapping.ns);
    return list.length > 0 ? list.map((c) => mapping.parse(c)) : undefined;
  },
  write: (el, values) => {
    for (const v of values) el.cnode(mapping.build(v));
  },
});

/** One step of a path: a child's name and namespace (default: the parent's). */
export type Step = readonly [name: string, ns?: string];

/**
 * A field of a nested child: `at([['x', NS.mucUser], ['item']], attr('jid'))`. Reading walks the
 * path (absent → undefined); writing reuses the path's elements where an earlier field created
 * them, so several fields can fill one container.
 */
export const at = <R, W>(path: readonly Step[], field: Field<R, W>): Field<R, W> => ({
  read: (el) => {
    let cur: Element | undefined = el;
    for (const [name, ns] of path) cur = cur?.getChild(name, ns);
    return cur ? field.read(cur) : undefined;
  },
  write: (el, value) => {
    let cur = el;
    for (const [name, ns] of path) cur = cur.getChild(name, ns) ?? appendChild(cur, name, ns);
    field.write(cur, value);
  },
});

/**
 * Children of several kinds in document order, each parsed by its own mapping and tagged with its
 * kind under `tag` (e.g. disco#info's identities, features and forms). Other children are skipped.
 */
export function variants<const Tag extends string, M extends Record<string, Mapping<object, object>>>(
  tag: Tag,
  cases: M,
): Field<Array<{ [K in keyof M & string]: { [T in Tag]: K } & ReturnType<M[K]['parse']> }[keyof M & string]>> {
  const kinds = Object.entries(cases);
  type Out = { [K in keyof M & string]: { [T in Tag]: K } & ReturnType<M[K]['parse']> }[keyof M & string];
  return {
    read: (el) => {
      const out: Out[] = [];
      for (const c of el.getChildElements()) {
        const hit = kinds.find(([, m]) => m.name === c.name && m.ns === c.getNS());
        // The tag names the mapping that parsed the child: that pairing is what Out says.
        if (hit) out.push({ [tag]: hit[0], ...hit[1].parse(c) } as Out);
      }
      return out.length > 0 ? out : undefined;
    },
    write: (el, values) => {
      for (const v of values) {
        // Each variant value is an object tagged by `tag` (the variants' declared shape).
        const { [tag]: kind, ...rest } = v as Record<string, unknown>;
        const m = cases[String(kind)];
        if (m) el.cnode(m.build(rest));
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Typed scalars and filters

/** An integer in text form; text that is not an integer reads as absent. */
export const int = (field: Field<string>): Field<number> => ({
  read: (el) => {
    const raw = field.read(el);
    return raw !== undefined && /^[+-]?\d+$/.test(raw.trim()) ? Number.parseInt(raw, 10) : undefined;
  },
  write: (el, value) => field.write(el, String(value)),
});

/** An XML Schema boolean: `true`/`1` and `false`/`0` (anything else reads as absent). */
export const bool = (field: Field<string>): Field<boolean> => ({
  read: (el) => {
    const raw = field.read(el);
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    return undefined;
  },
  write: (el, value) => field.write(el, value ? 'true' : 'false'),
});

/** Only the listed values are read (others read as absent). */
export const oneOf = <const V extends string>(field: Field<string>, values: readonly V[]): Field<V> => ({
  read: (el) => {
    const raw = field.read(el);
    // `includes` has just checked that raw is one of `values`, which TypeScript cannot narrow by itself.
    return raw !== undefined && (values as readonly string[]).includes(raw) ? (raw as V) : undefined;
  },
  write: (el, value) => field.write(el, value),
});

/** An empty string is absent both ways (XMPP-FTW copied only non-empty attributes). */
export const nonEmpty = (field: Field<string>): Field<string> => ({
  read: (el) => {
    const v = field.read(el);
    return v !== undefined && v !== '' ? v : undefined;
  },
  write: (el, value) => {
    if (value !== '') field.write(el, value);
  },
});

/** Reads/writes a field only; the other direction is a no-op (e.g. `to` is written, `from` is read). */
export const readOnly = <R>(field: Field<R, never>): Field<R, never> => ({ read: field.read, write: () => undefined });
export const writeOnly = <W>(field: Field<unknown, W>): Field<never, W> => ({
  read: () => undefined,
  write: field.write,
});

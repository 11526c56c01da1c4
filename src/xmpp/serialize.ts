// Serialises an ltx element for the wire so that the receiver parses back exactly the strings we hold.
//
// ltx writes CR, LF and TAB raw. XML 1.0 §2.11 makes the receiving parser turn a raw CR (and CR LF)
// into LF in text, and §3.3.3 turns raw TAB, LF and CR in an attribute value into spaces. Written as
// character references they survive both: CR in text becomes `&#13;`; TAB, LF and CR in attribute
// values become `&#9;`, `&#10;`, `&#13;`. LF and TAB in text need nothing (§2.11 leaves them alone).
import type { Element, Node } from 'ltx';

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

export function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

export function escapeAttr(s: string): string {
  return s.replace(/[&<>"'\t\n\r]/g, (c) => ATTR_ESCAPES[c] ?? c);
}

/** A child as ltx may hold it: an element, a string, or (ltx accepts them) a number. */
type Child = Node | number | null | undefined;

function isElement(node: Child): node is Element {
  return typeof node === 'object' && node !== null && typeof node.name === 'string' && Array.isArray(node.children);
}

/**
 * The element as XML, as ltx's `toString()` writes it but with the escapes above. Iterative, so a
 * deeply nested element cannot exhaust the stack.
 */
export function serialize(root: Element): string {
  let out = '';
  // Work items: an element to open, or the close tag of one already opened.
  const stack: Array<Element | string> = [root];
  while (stack.length > 0) {
    const item = stack.pop() as Element | string; // non-empty: checked by the loop condition
    if (typeof item === 'string') {
      out += item;
      continue;
    }
    out += `<${item.name}`;
    // ltx types attrs as strings, but it writes any non-null value with String() (numbers, JIDs).
    for (const [name, value] of Object.entries(item.attrs as Record<string, unknown>)) {
      if (value === null || value === undefined) continue;
      out += ` ${name}="${escapeAttr(String(value))}"`;
    }
    if (item.children.length === 0) {
      out += '/>';
      continue;
    }
    out += '>';
    stack.push(`</${item.name}>`);
    // ltx also holds null or numeric children (it skips the former and writes the latter as text).
    const children = item.children as Child[];
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child === null || child === undefined) continue;
      stack.push(isElement(child) ? child : escapeText(String(child)));
    }
  }
  return out;
}

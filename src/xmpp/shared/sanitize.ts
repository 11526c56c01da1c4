// XHTML that becomes renderable markup for web clients, reduced to XEP-0071 §7's recommended profile.
// XEP-0071 §8 (Security Considerations) makes the receiving client responsible for dropping scripts and
// dangerous URLs; for a browser behind the gateway, the gateway is that receiving client. The work is done
// by sanitize-html (an allowlist over htmlparser2, parsing as XML here); this file only holds the profile.
// Worker side only: it is reached from mappings, never from the HTTP thread (docs/differences.md).
import { type Element, escapeXMLText, type Node, parse } from 'ltx';
import { createRequire } from 'node:module';
import type sanitizeHtml from 'sanitize-html';
import { NS } from '../ns.js';

/**
 * Elements of the recommended profile (XEP-0071 §7: Text, Hypertext, List and Image modules), plus `code`
 * and `q` from the same Text module (§6): inline, with no URL except q's `cite`, which is filtered as a link.
 */
export const XHTML_ELEMENTS = ['a', 'blockquote', 'br', 'cite', 'code', 'em', 'img', 'li', 'ol', 'p', 'q', 'span', 'strong', 'ul'] as const;

/** CSS properties of XEP-0071 §7's recommended style profile; any other property is dropped. */
export const XHTML_STYLE_PROPERTIES = [
  'background-color',
  'color',
  'font-family',
  'font-size',
  'font-style',
  'font-weight',
  'margin-left',
  'margin-right',
  'text-align',
  'text-decoration',
] as const;

/** Link schemes (a@href, blockquote@cite, q@cite): absolute URLs only, none of javascript:, data:, vbscript:, … */
const LINK_SCHEMES = ['http', 'https', 'mailto', 'xmpp'];
/** Image sources: web URLs, and data: URLs of raster images (no SVG: it can carry script). */
const IMAGE_SCHEMES = ['http', 'https'];
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp|bmp)[;,]/i;

/**
 * A style value: words, numbers, units, #colours, quoted font names, commas and rgb()/rgba() only — no
 * function that loads or runs anything (url(), expression(), image-set(), …), no escapes, no `;`.
 */
const STYLE_VALUE = /^(?:[\w\s.,%#+'"-]|rgba?\([\d\s.,%]*\))*$/i;

const styleRules: Record<string, RegExp[]> = Object.fromEntries(XHTML_STYLE_PROPERTIES.map((p) => [p, [STYLE_VALUE]]));

/** Attributes per element (XEP-0071 §7's table, plus title everywhere and cite on quotes). */
const ATTRIBUTES: Record<string, string[]> = {
  '*': ['style', 'title'],
  a: ['href', 'type'],
  blockquote: ['cite'],
  q: ['cite'],
  img: ['src', 'alt', 'height', 'width'],
};

/** The scheme of an absolute URL as a browser would read it (it drops ASCII whitespace and controls first). */
function scheme(url: string): string | undefined {
  const compact = url.replace(/[\u0000-\u0020\u007f]/g, '');
  return /^([a-z][a-z\d+.-]*):/i.exec(compact)?.[1]?.toLowerCase();
}

function linkAllowed(url: string): boolean {
  const s = scheme(url);
  return s !== undefined && LINK_SCHEMES.includes(s);
}

function imageAllowed(url: string): boolean {
  const s = scheme(url);
  return s !== undefined && (IMAGE_SCHEMES.includes(s) || (s === 'data' && DATA_IMAGE.test(url.trim())));
}

/** Drops URL attributes whose scheme is not allowed, relative URLs included (they would resolve against the web app). */
function filterUrls(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const kept: sanitizeHtml.Attributes = {};
  for (const [name, value] of Object.entries(attribs)) {
    if ((name === 'href' || name === 'cite') && !linkAllowed(value)) continue;
    if (name === 'src' && !imageAllowed(value)) continue;
    kept[name] = value;
  }
  return { tagName, attribs: kept };
}

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...XHTML_ELEMENTS],
  allowedAttributes: ATTRIBUTES,
  allowedStyles: { '*': styleRules },
  // A second line behind filterUrls: sanitize-html's own scheme check, on the same lists.
  allowedSchemes: LINK_SCHEMES,
  allowedSchemesByTag: { img: [...IMAGE_SCHEMES, 'data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  // Unknown elements are dropped but their text kept (XEP-0071 §8 asks to ignore what is not understood);
  // the text of these is code or chrome, never message text, so it goes with them.
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'title', 'head', 'iframe', 'object', 'svg', 'math'],
  transformTags: { a: filterUrls, img: filterUrls, blockquote: filterUrls, q: filterUrls },
  selfClosing: ['br', 'img'],
  // The input is XML (ltx's serialisation): no HTML implied-end-tag rules, <p/> is an empty p. Names are
  // compared lower-cased, so that <SCRIPT> goes with its text as <script> does.
  parser: { xmlMode: true, decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
};

/** Well-formed XHTML markup (inner content of an XHTML <body/>) reduced to the profile; the result is well-formed too. */
export function sanitizeXhtmlString(markup: string): string {
  return sanitizer()(markup, OPTIONS);
}

// sanitize-html (and its HTML parser and postcss) is required at the first XHTML-IM body, not when a
// worker starts (~50 ms of CPU per worker); it is CommonJS, so a synchronous require serves.
const require = createRequire(import.meta.url);
let loaded: typeof sanitizeHtml | undefined;
// require() is typed unknown-ish (any); the module is the one the type import above describes.
const sanitizer = (): typeof sanitizeHtml => (loaded ??= require('sanitize-html') as typeof sanitizeHtml);

/**
 * The children of an XHTML-IM <body/> reduced to the profile, as new ltx nodes (elements without
 * namespace declarations: they are in the XHTML namespace of the body they go into).
 */
export function sanitizeXhtmlChildren(children: readonly Node[]): Node[] {
  const clean = sanitizeXhtmlString(serializeXhtml(children));
  let body: Element;
  try {
    body = parse(`<body xmlns="${NS.xhtml}">${clean}</body>`);
  } catch {
    // sanitize-html only writes escaped text and allowlisted tags; should that ever not parse, drop it all.
    return [];
  }
  for (const c of body.children) if (typeof c !== 'string') c.parent = null;
  return body.children;
}

/** The children of an XHTML-IM <body/> as the markup string of the `content` key, reduced to the profile. */
export function sanitizedXhtmlMarkup(children: readonly Node[]): string {
  return serializeXhtml(sanitizeXhtmlChildren(children));
}

/** Nodes as XML: ltx keeps text nodes unescaped, so text is escaped here (elements escape their own). */
export function serializeXhtml(nodes: readonly Node[]): string {
  return nodes.map((n) => (typeof n === 'string' ? escapeXMLText(n) : n.toString())).join('');
}

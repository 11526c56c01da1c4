// Sanitising markup from the wire before a browser may render it: the XEP-0071 §7 "recommended profile"
// (structure, text, hypertext, list, image; the span/p/br/blockquote/cite/em/strong elements), with
// links only to http, https, mailto and xmpp URIs, images only from http, https or data:image URIs, and
// no event handlers, scripts or styles (XEP-0071 §9 "Security Considerations").
import sanitizeHtml from 'sanitize-html';

const DROPPED_WITH_CONTENT = new Set([
  'svg',
  'math',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'template',
  'noembed',
  'noframes',
]);

const OPTIONS: sanitizeHtml.IOptions = {
  // The dropped tags are listed too, only so that exclusiveFilter (which sees allowed tags only) removes them whole.
  allowedTags: ['a', 'blockquote', 'br', 'cite', 'em', 'img', 'li', 'ol', 'p', 'span', 'strong', 'ul', ...DROPPED_WITH_CONTENT],
  allowedAttributes: { a: ['href', 'type'], blockquote: ['cite'], img: ['src', 'alt', 'height', 'width'] },
  allowedSchemes: ['http', 'https', 'mailto', 'xmpp'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Content of these is dropped with the element, never kept as text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head'],
  selfClosing: ['br', 'img'],
  // Removed with everything inside them: foreign markup and embedded documents, and images from data: URIs that are not images.
  exclusiveFilter: (frame) =>
    DROPPED_WITH_CONTENT.has(frame.tag) ||
    (frame.tag === 'img' &&
      frame.attribs.src !== undefined &&
      /^\s*data:/i.test(frame.attribs.src) &&
      !/^\s*data:image\//i.test(frame.attribs.src)),
};

/** Markup cut down to the XEP-0071 profile; the result is also well-formed XML (entities escaped, void elements closed). */
export function sanitizeXhtmlString(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

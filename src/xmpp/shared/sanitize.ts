// Sanitising markup from the wire before a browser may render it: the XEP-0071 §7 "recommended profile"
// (structure, text, hypertext, list, image; the span/p/br/blockquote/cite/em/strong elements), with
// links only to http, https, mailto and xmpp URIs, images only from http, https or data:image URIs, and
// no event handlers, scripts or styles (XEP-0071 §9 "Security Considerations").
import sanitizeHtml from 'sanitize-html';

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['a', 'blockquote', 'br', 'cite', 'em', 'img', 'li', 'ol', 'p', 'span', 'strong', 'ul'],
  allowedAttributes: { a: ['href', 'type'], blockquote: ['cite'], img: ['src', 'alt', 'height', 'width'] },
  allowedSchemes: ['http', 'https', 'mailto', 'xmpp'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Content of these is dropped with the element, never kept as text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head'],
  selfClosing: ['br', 'img'],
  exclusiveFilter: (frame) =>
    frame.tag === 'img' &&
    frame.attribs.src !== undefined &&
    frame.attribs.src.startsWith('data:') &&
    !/^data:image\//i.test(frame.attribs.src),
};

/** Markup cut down to the XEP-0071 profile; the result is also well-formed XML (entities escaped, void elements closed). */
export function sanitizeXhtmlString(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

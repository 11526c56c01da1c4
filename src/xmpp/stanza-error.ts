// XMPP stanza errors ⇄ the error shape of docs/api.md §5 ({ type, condition, description?, by?, application? }).
import { Element, createElement } from 'ltx';
import type { ErrorBody } from '../errors.js';
import { NS } from './ns.js';

export function parseStanzaError(stanza: Element): ErrorBody {
  const error = stanza.getChild('error');
  if (!error) return { type: 'cancel', condition: 'undefined-condition' };
  const body: ErrorBody = { type: error.attrs.type ?? 'cancel', condition: 'undefined-condition' };
  let application: ErrorBody['application'];
  for (const c of error.getChildElements()) {
    const ns = c.getNS();
    if (ns === NS.stanzas) {
      if (c.name === 'text') body.description = c.getText();
      else body.condition = c.name;
    } else {
      application = { condition: c.name, ...(ns !== undefined && { xmlns: ns }) };
      const t = c.getText();
      if (t) application.description = t;
    }
  }
  if (error.attrs.by !== undefined) body.by = error.attrs.by;
  if (application) body.application = application;
  return body;
}

export function errorElement(type: string, condition: string, text?: string): Element {
  const error = createElement('error', { type });
  error.cnode(createElement(condition, { xmlns: NS.stanzas }));
  if (text !== undefined) error.cnode(createElement('text', { xmlns: NS.stanzas }).t(text));
  return error;
}

/** The error reply to an IQ request (RFC 6120 §8.3.1: swap to/from, keep the id). */
export function iqErrorReply(request: Element, type: string, condition: string, text?: string): Element {
  const reply = createElement('iq', { type: 'error', id: request.attrs.id, to: request.attrs.from });
  reply.cnode(errorElement(type, condition, text));
  return reply;
}

export function iqResult(request: Element, payload?: Element): Element {
  const reply = createElement('iq', { type: 'result', id: request.attrs.id, to: request.attrs.from });
  if (payload) reply.cnode(payload);
  return reply;
}

// XEP-0070 HTTP request verification: the <confirm/> element, the requests (iq get or message)
// and the answers (result/normal to confirm; error with not-authorized to deny), declared once.
import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { jidFromWire } from '../../xmpp/jid.js';
import { attr, child, childText, define, type Field, oneOf, writeOnly } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { errorElement } from '../../xmpp/stanza-error.js';
import type { HttpVerifyEvent } from './schema.js';

export interface HttpRequest {
  method: string;
  id: string;
  url: string;
}

export const confirm = define<HttpRequest>('confirm', NS.httpAuth, { method: attr('method'), id: attr('id'), url: attr('url') });

type HttpVerify = Static<typeof HttpVerifyEvent>;

/**
 * The xmpp.http.verify event of an iq or message request; undefined when its <confirm/> lacks
 * one of method, url and id, which XEP-0070 §4.5 says it MUST possess.
 */
export function parseVerify(stanza: Element): HttpVerify | undefined {
  const el = stanza.getChild('confirm', NS.httpAuth);
  if (!el) return undefined;
  const { method, id, url } = confirm.parse(el);
  if (!method || !id || !url) return undefined;
  const type = stanza.name === 'iq' ? 'iq' : 'message';
  const ref = type === 'iq' ? stanza.attrs.id : (stanza.getChildText('thread') ?? undefined);
  const body = stanza.getChildText('body');
  return {
    type,
    ...(ref !== undefined && { id: ref }),
    from: jidFromWire(stanza.attrs.from) ?? { domain: '' },
    ...(body !== null && { description: body }),
    request: { method, id, url },
  };
}

/** XEP-0070 §4.6: the answer to an iq request. A denial SHOULD be not-authorized. */
export function iqAnswer(request: Element, approve: boolean, echo?: HttpRequest, text?: string): Element {
  const iq = createElement('iq', { type: approve ? 'result' : 'error', id: request.attrs.id, to: request.attrs.from });
  if (echo) iq.cnode(confirm.build(echo));
  if (!approve) iq.cnode(errorElement('auth', 'not-authorized', text));
  return iq;
}

const denied: Field<true> = {
  read: (el) => (el.getChild('error')?.getChild('not-authorized', NS.stanzas) ? true : undefined),
  write: (el) => {
    el.cnode(errorElement('auth', 'not-authorized'));
  },
};

export interface MessageAnswer {
  type: 'normal' | 'error';
  to: string;
  id: string;
  thread?: string;
  confirm: HttpRequest;
  denied?: true;
}

/** XEP-0070 §4.6: the answer to a message request mirrors its thread and carries the original <confirm/>. */
export const messageAnswer = define<MessageAnswer>('message', undefined, {
  type: oneOf(attr('type'), ['normal', 'error']),
  to: writeOnly(attr('to')),
  id: attr('id'),
  thread: childText('thread'),
  confirm: child(confirm),
  denied,
});

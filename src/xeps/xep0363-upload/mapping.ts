// XEP-0363 payloads: the slot <request/> (§4) and its <slot/> answer, and the max-file-size of the
// service's XEP-0128 form in disco#info (§3).
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import { attr, childAttr, define, type Field } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { PUT_HEADERS, type SlotBody, type SlotResult } from './schema.js';

/** XEP-0363 §11 namespace, also the disco#info feature (§3). */
export const UPLOAD_NS = 'urn:xmpp:http:upload:0';

const size: Field<string, number> = {
  read: (el) => el.attrs.size as string | undefined,
  write: (el, n) => void (el.attrs.size = String(n)),
};

/** §4: <request filename size content-type?/>. */
export const slotRequest = define<{ filename?: string; size?: string; contentType?: string }, Static<typeof SlotBody>>(
  'request',
  UPLOAD_NS,
  { filename: attr('filename'), size, contentType: attr('content-type') },
);

const allowed = new Map(PUT_HEADERS.map((h) => [h.toLowerCase(), h]));

/** The <put/> headers XEP-0363 §4 allows (names as the XEP spells them; newlines stripped, §4's rule), the rest dropped. */
const putHeaders: Field<Record<string, string>> = {
  read: (slot) => {
    const out: Record<string, string> = {};
    for (const h of slot.getChild('put')?.getChildren('header') ?? []) {
      const name = allowed.get(String(h.attrs.name ?? '').toLowerCase());
      if (name !== undefined) out[name] = h.getText().replace(/[\r\n]/g, '');
    }
    return out;
  },
  write: (slot, headers) => {
    const put = slot.getChild('put');
    for (const [name, value] of Object.entries(headers)) put?.c('header', { name }).t(value);
  },
};

export const slot = define<{ put?: string; headers?: Record<string, string>; get?: string }>('slot', UPLOAD_NS, {
  put: childAttr('put', undefined, 'url'),
  headers: putHeaders,
  get: childAttr('get', undefined, 'url'),
});

/** The answer's slot, or undefined when it lacks either URL. */
export function parseSlot(answer: Element | undefined): Static<typeof SlotResult> | undefined {
  if (!answer) return undefined;
  const { put, headers, get } = slot.parse(answer);
  if (put === undefined || get === undefined) return undefined;
  return { put: { url: put, headers: headers ?? {} }, get };
}

/**
 * §3: the max-file-size of the service's XEP-0128 form (the one whose FORM_TYPE is urn:xmpp:http:upload:0),
 * when it is a number. Read from the disco#info query itself: the parsed form entries drop FORM_TYPE.
 */
export function maxFileSize(info: Element | undefined): number | undefined {
  for (const x of info?.getChildren('x', NS.data) ?? []) {
    const value = (name: string) =>
      x
        .getChildren('field')
        .find((f) => f.attrs.var === name)
        ?.getChildText('value');
    if (value('FORM_TYPE') !== UPLOAD_NS) continue;
    const raw = value('max-file-size');
    const n = raw === null || raw === undefined || !/^\d{1,16}$/.test(raw.trim()) ? NaN : Number(raw.trim());
    if (Number.isSafeInteger(n)) return n;
  }
  return undefined;
}

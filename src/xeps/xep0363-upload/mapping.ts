// XEP-0363 payloads: the slot <request/> (§4) and its <slot/> answer, and the max-file-size of the
// service's XEP-0128 form in disco#info (§3).
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import { attr, childAttr, define, type Field } from '../../xmpp/mapping-kit.js';
import type { InfoEntry } from '../xep0030-disco/mapping.js';
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

/** §3: the max-file-size of the service's form (FORM_TYPE urn:xmpp:http:upload:0), when it gives a number. */
export function maxFileSize(entries: InfoEntry[]): number | undefined {
  for (const e of entries) {
    if (e.kind !== 'form') continue;
    const fields = e.form.fields ?? [];
    const formType = fields.find((f) => f.var === 'FORM_TYPE')?.value;
    if ((Array.isArray(formType) ? formType[0] : formType) !== UPLOAD_NS) continue;
    const raw = fields.find((f) => f.var === 'max-file-size')?.value;
    const n = Number(Array.isArray(raw) ? raw[0] : raw);
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  return undefined;
}

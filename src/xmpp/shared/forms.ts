// XEP-0004 data forms ⇄ XMPP-FTW's form object, shared by every area that carries forms.
// Differences from the original: `fixed` values stay text (parseInt turned them into null), and the
// form's own `type` (form/submit/result/cancel) is exposed.
import type { Form, FormField, FormInput } from '../../schemas/forms.js';
import { createElement, type Element } from 'ltx';
import { errors } from '../../errors.js';
import { redact } from '../../redact.js';
import { define } from '../mapping-kit.js';
import { NS } from '../ns.js';

const MULTI = new Set(['list-multi', 'jid-multi', 'text-multi']);

function fieldValue(field: Element, type: string | undefined): FormField['value'] | undefined {
  const values = field.getChildren('value');
  if (type === 'xml') {
    const v = values[0];
    return v ? v.children.map((c) => c.toString()).join('') : undefined;
  }
  if (type !== undefined && MULTI.has(type)) return values.map((v) => v.getText());
  const first = values[0];
  if (!first) return undefined;
  const text = first.getText();
  if (type === 'boolean') return text === 'true' || text === '1';
  return text;
}

export function parseField(field: Element, typeOverride?: string): FormField {
  const out: FormField = {};
  if (field.attrs.var !== undefined) out.var = field.attrs.var;
  const type = typeOverride ?? field.attrs.type;
  if (field.attrs.type !== undefined) out.type = field.attrs.type;
  if (field.attrs.label !== undefined) out.label = field.attrs.label;
  if (field.getChild('required')) out.required = true;
  const value = fieldValue(field, type);
  if (value !== undefined) out.value = value;
  const options = field.getChildren('option');
  if (options.length > 0) {
    out.options = options.map((o) => {
      const opt: { value: string; label?: string } = { value: o.getChildText('value') ?? '' };
      if (o.attrs.label !== undefined) opt.label = o.attrs.label;
      return opt;
    });
  }
  const desc = field.getChildText('desc');
  if (desc !== null) out.description = desc;
  return out;
}

const notFormType = (f: Element) => f.attrs.var !== 'FORM_TYPE';

export function parseForm(x: Element): Form {
  const form: Form = { items: [] };
  if (x.attrs.type !== undefined) form.type = x.attrs.type;
  const title = x.getChildText('title');
  if (title !== null) form.title = title;
  const instructions = x.getChildText('instructions');
  if (instructions !== null) form.instructions = instructions;
  const fields = x.getChildren('field');
  if (fields.length > 0) form.fields = fields.filter(notFormType).map((f) => parseField(f));
  const reported = x.getChild('reported');
  const reportedTypes = new Map<string, string>();
  if (reported) {
    form.reported = reported.getChildren('field').map((f) => parseField(f));
    for (const f of reported.getChildren('field')) if (f.attrs.var && f.attrs.type) reportedTypes.set(f.attrs.var, f.attrs.type);
  }
  // Item fields usually carry no type: take it from <reported/> so multi-values are not collapsed.
  form.items = x.getChildren('item').map((item) =>
    item
      .getChildren('field')
      .filter(notFormType)
      .map((f) => parseField(f, f.attrs.type ?? reportedTypes.get(f.attrs.var ?? ''))),
  );
  return form;
}

export function findForm(parent: Element | undefined): Element | undefined {
  return parent?.getChild('x', NS.data);
}

/** XMPP-FTW's JSON → XML: booleans 'true'/'false', numbers as text, arrays one <value/> each. */
export function buildForm(fields: FormInput, formType?: string, type = 'submit'): Element {
  const x = createElement('x', { xmlns: NS.data, type });
  if (formType !== undefined) {
    x.cnode(createElement('field', { var: 'FORM_TYPE', type: 'hidden' })).cnode(createElement('value').t(formType));
  }
  for (const f of fields) {
    if (typeof f !== 'object' || f === null || typeof f.var !== 'string') throw errors.clientError('Badly formatted data form');
    const field = createElement('field', {
      var: f.var,
      ...(f.type !== undefined && { type: f.type }),
      ...(f.label !== undefined && { label: f.label }),
    });
    const values = Array.isArray(f.value) ? f.value : f.value === undefined ? [] : [f.value];
    for (const v of values) field.cnode(createElement('value').t(String(v)));
    x.cnode(field);
  }
  return x;
}

/** A form as one entry among other children (disco#info, XEP-0128): `{ form }`. Read only. */
export const formEntry = define<{ form: Form }, object>('x', NS.data, {
  form: { read: (x) => parseForm(x), write: () => undefined },
});

/** Builds an element from client input, turning a malformed form into XMPP-FTW's client error (the body echoed, redacted). */
export function withForm(body: unknown, build: () => Element): Element {
  try {
    return build();
  } catch {
    throw errors.clientError('Badly formatted data form', redact(body));
  }
}

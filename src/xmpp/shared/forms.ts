// XEP-0004 data forms ⇄ XMPP-FTW's form object (catalogue §7), shared by every area that carries forms.
// Differences from the original: `fixed` values stay text (parseInt turned them into null), and the
// form's own `type` (form/submit/result/cancel) is exposed.
import { Type, type Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { errors } from '../../errors.js';
import { NS } from '../ns.js';

const FieldValue = Type.Union([Type.String(), Type.Boolean(), Type.Array(Type.String())]);

export const FormFieldSchema = Type.Object({
  var: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  label: Type.Optional(Type.String()),
  required: Type.Optional(Type.Literal(true)),
  value: Type.Optional(FieldValue),
  options: Type.Optional(Type.Array(Type.Object({ value: Type.String(), label: Type.Optional(Type.String()) }))),
  description: Type.Optional(Type.String()),
});

export const FormSchema = Type.Object(
  {
    type: Type.Optional(Type.String({ description: 'form, submit, result or cancel (not exposed by XMPP-FTW)' })),
    title: Type.Optional(Type.String()),
    instructions: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Array(FormFieldSchema)),
    reported: Type.Optional(Type.Array(FormFieldSchema)),
    items: Type.Array(Type.Array(FormFieldSchema)),
  },
  { description: 'XEP-0004 data form' },
);
export type Form = Static<typeof FormSchema>;
export type FormField = Static<typeof FormFieldSchema>;

/** One field to submit: { var, value, label?, type? }. */
export interface FormInputField {
  var: string;
  value?: string | number | boolean | Array<string | number | boolean>;
  label?: string;
  type?: string;
}
export type FormInput = FormInputField[];

// The schema of submitted fields uses type lists rather than unions, with one anyOf around the whole:
// every problem in the form, however deep, is then reported on the form key itself, where the
// catalogue's one message ("Badly formatted data form") applies. Use with FORM_MESSAGES.
const scalar = ['string', 'number', 'boolean'];
const submittedField = {
  type: 'object',
  additionalProperties: false,
  required: ['var'],
  properties: {
    var: { type: 'string', minLength: 1, maxLength: 1024 },
    value: { type: [...scalar, 'array'], maxLength: 65536, maxItems: 1000, items: { type: scalar, maxLength: 65536 } },
    label: { type: 'string', maxLength: 1024 },
    type: { type: 'string', maxLength: 64 },
  },
};
export const FormSubmission = Type.Unsafe<FormInput>({
  anyOf: [{ type: 'array', maxItems: 1000, items: submittedField }],
  description:
    'Data form fields to submit (XEP-0004): [{ var, value?, label?, type? }]; value a string, number, boolean or an array of them',
});
/** Validation messages for a body whose data form is under the key `form`. */
export const FORM_MESSAGES = { 'type:form': 'Badly formatted data form' };

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

// XEP-0004 data forms: the JSON shapes (XMPP-FTW's form object) of forms received and submitted.
// Differences from the original: `fixed` values stay text (parseInt turned them into null), and the
// form's own `type` (form/submit/result/cancel) is exposed.
import { Type, type Static } from '@sinclair/typebox';

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
// XMPP-FTW's one message ("Badly formatted data form") applies. Use with FORM_MESSAGES.
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

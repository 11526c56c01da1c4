import { Type } from '@sinclair/typebox';
import { Body, JidString } from '../../schemas/common.js';
import { FORM_MESSAGES, FormSchema, FormSubmission } from '../../schemas/forms.js';

const To = JidString('The search service, e.g. users.example.org');

/** An XML element name for a basic field (not starting with "xml", which XML reserves). */
const FIELD_NAME = '^(?![Xx][Mm][Ll])[A-Za-z_][A-Za-z0-9_.-]{0,63}$';

export const SearchGetBody = Body({ to: To }, { examples: [{ to: 'users.example.org' }] });

export const SearchDoBody = Body(
  {
    to: To,
    basic: Type.Optional(
      Type.Record(Type.String({ pattern: FIELD_NAME }), Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]), {
        additionalProperties: false,
        maxProperties: 64,
        description: 'Basic search (XEP-0055 §2): field name → value, e.g. { "nick": "juliet" }; wins over form',
      }),
    ),
    form: Type.Optional(FormSubmission),
  },
  {
    examples: [
      { to: 'users.example.org', basic: { last: 'Capulet' } },
      { to: 'users.example.org', form: [{ var: 'last', value: 'Capulet' }] },
    ],
  },
);
export const SearchDoMessages = FORM_MESSAGES;

export const SearchGetResult = Type.Union(
  [
    Type.Object({ instructions: Type.Union([Type.String(), Type.Null()]), form: FormSchema }),
    Type.Object({
      instructions: Type.Union([Type.String(), Type.Null()]),
      basic: Type.Array(Type.String(), { description: 'The basic fields the service accepts (first, last, nick, email, …)' }),
    }),
  ],
  { description: 'The search form (XEP-0055 §3) when the service offers one, else its basic fields (§2)' },
);

const ResultValue = Type.Union([Type.String(), Type.Boolean(), Type.Array(Type.String()), Type.Null()]);

export const SearchDoResult = Type.Object(
  {
    fields: Type.Record(Type.String(), Type.Object({ label: Type.Optional(Type.String()), type: Type.Optional(Type.String()) }), {
      description: 'The result columns: var → { label, type }',
    }),
    results: Type.Array(Type.Record(Type.String(), ResultValue), { description: 'One object per match: var → value' }),
  },
  {
    description:
      'Form results keep the reported columns; basic results (legacy <item/>s) use the same shape, with `jid` (jid-single) and one text-single column per element',
    examples: [
      {
        fields: { jid: { label: 'JID', type: 'jid-single' }, first: { label: 'Given Name', type: 'text-single' } },
        results: [{ jid: 'juliet@example.org', first: 'Juliet' }],
      },
    ],
  },
);

import { Type } from '@sinclair/typebox';
import { Body, ConnectHost, ConnectPort, JidObject, JidString } from '../../schemas/common.js';
import { FORM_MESSAGES, FormSchema, FormSubmission } from '../../schemas/forms.js';
import { OobSchema } from '../../schemas/oob.js';

/** XEP-0077 §14.1: every registration field, in the schema's order. */
export const REGISTER_FIELDS = [
  'username',
  'nick',
  'password',
  'name',
  'first',
  'last',
  'email',
  'address',
  'city',
  'state',
  'zip',
  'phone',
  'url',
  'date',
  'misc',
  'text',
  'key',
] as const;
export type RegisterField = (typeof REGISTER_FIELDS)[number];

const To = Type.Optional(JidString('The service (default: the user’s own server, addressed without a to)'));

const fieldInput = (name: RegisterField) =>
  Type.Optional(
    Type.String({
      maxLength: 1024,
      ...(name === 'password' && { writeOnly: true }),
      description: `XEP-0077 <${name}/> (sent when not empty)`,
    }),
  );
// Object.fromEntries cannot say that every field name got its schema; the map above gives each one.
const fieldInputs = Object.fromEntries(REGISTER_FIELDS.map((f) => [f, fieldInput(f)])) as Record<
  RegisterField,
  ReturnType<typeof fieldInput>
>;

export const RegisterGetBody = Body({ to: To }, { examples: [{}, { to: 'irc.example.org' }] });

export const RegisterSetBody = Body(
  { to: To, ...fieldInputs, form: Type.Optional(FormSubmission) },
  { examples: [{ to: 'irc.example.org', username: 'juliet', password: 's3cret', email: 'juliet@example.org' }] },
);

export const RegisterPasswordBody = Body(
  { to: To, ...fieldInputs, form: Type.Optional(FormSubmission) },
  {
    description: 'The new password; `username` defaults to your own when the service is your own server',
    examples: [{ password: 'n3w-s3cret' }, { to: 'example.org', username: 'juliet', password: 'n3w-s3cret' }],
  },
);

// `to` is required here (XMPP-FTW: `Missing 'to' key`): `{}` must never delete the own account by accident;
// deleting it needs the own domain named explicitly (docs/differences.md).
export const RegisterUnregisterBody = Body(
  {
    to: JidString('The service; your own server’s domain to delete your own account (XEP-0077 §3.2)'),
    form: Type.Optional(FormSubmission),
  },
  { examples: [{ to: 'irc.example.org' }] },
);

export const RegisterMessages = FORM_MESSAGES;

const fieldOutput = Type.Optional(
  Type.Union([Type.String(), Type.Literal(true)], { description: 'true: the service asks for it; a string: the registered value' }),
);

export const RegisterGetResult = Type.Object(
  {
    ...(Object.fromEntries(REGISTER_FIELDS.map((f) => [f, fieldOutput])) as Record<RegisterField, typeof fieldOutput>),
    instructions: Type.Optional(Type.String()),
    registered: Type.Optional(Type.Literal(true, { description: 'Already registered' })),
    form: Type.Optional(FormSchema),
    oob: Type.Optional(OobSchema),
  },
  { examples: [{ username: true, password: true, instructions: 'Choose a username and password', form: { type: 'form', items: [] } }] },
);

export const RegisteredResult = Type.Object({ registered: Type.Literal(true) });

// --- POST /v1/register (beyond XMPP-FTW): a new account without a session ---

export const NewAccountBody = Body(
  {
    jid: Type.String({ minLength: 3, maxLength: 3071, description: 'The account to create: user@domain' }),
    password: Type.String({ minLength: 1, maxLength: 1024, writeOnly: true }),
    host: Type.Optional(ConnectHost()),
    port: Type.Optional(ConnectPort()),
    fields: Type.Optional(
      Type.Record(Type.String({ pattern: '^(?![Xx][Mm][Ll])[A-Za-z_][A-Za-z0-9_.#:-]{0,255}$' }), Type.String({ maxLength: 1024 }), {
        additionalProperties: false,
        maxProperties: 32,
        description: 'Other registration fields the server asks for (XEP-0077 names such as email, or its form’s vars)',
      }),
    ),
  },
  { examples: [{ jid: 'juliet@example.org', password: 's3cret', fields: { email: 'juliet@example.org' } }] },
);

export const NewAccountResult = Type.Object(
  { ok: Type.Literal(true), jid: JidObject },
  { examples: [{ ok: true, jid: { user: 'juliet', domain: 'example.org' } }] },
);

import { type Static, Type } from '@sinclair/typebox';
import { Body, JidObject, JidString, StringEnum } from '../../schemas/common.js';
import { FORM_MESSAGES, FormSchema, FormSubmission } from '../../schemas/forms.js';
import { OobSchema } from '../../schemas/oob.js';
import { Paged, RsmRequestSchema } from '../../schemas/rsm.js';
import { DiscoInfoResult } from '../xep0030-disco/schema.js';

export const COMMAND_ACTIONS = ['execute', 'next', 'prev', 'complete', 'cancel'] as const;

const To = Type.Optional(JidString('The command responder (default: the user’s server)'));
const Node = Type.String({ minLength: 1, maxLength: 1024, description: 'The command node (from command/list)' });

export const CommandListBody = Body(
  { to: To, rsm: Type.Optional(RsmRequestSchema) },
  { examples: [{}, { to: 'bot.example.org', rsm: { max: 20 } }] },
);

export const CommandInfoBody = Body(
  { to: To, node: Node, rsm: Type.Optional(RsmRequestSchema) },
  { examples: [{ to: 'example.org', node: 'http://jabber.org/protocol/admin#add-user' }] },
);

export const CommandDoBody = Body(
  {
    to: To,
    node: Node,
    action: Type.Optional(StringEnum(COMMAND_ACTIONS, { description: 'Default execute' })),
    sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The sessionId of the previous step' })),
    form: Type.Optional(FormSubmission),
  },
  {
    examples: [
      { node: 'uptime' },
      {
        to: 'example.org',
        node: 'http://jabber.org/protocol/admin#add-user',
        action: 'complete',
        sessionId: 'a1b2',
        form: [
          { var: 'accountjid', value: 'juliet@example.org' },
          { var: 'password', value: 's3cret' },
          { var: 'password-verify', value: 's3cret' },
        ],
      },
    ],
  },
);

export const CommandDoMessages = FORM_MESSAGES;

const CommandEntry = Type.Object(
  { node: Type.Optional(Type.String()), name: Type.Optional(Type.String()) },
  { description: 'A command: its node and human-readable name' },
);

export const CommandListResult = {
  ...Paged(Type.Array(CommandEntry), 'The commands; `{ items, rsm }` when the responder paged its answer (XEP-0059)'),
  examples: [
    [
      { node: 'http://jabber.org/protocol/admin#add-user', name: 'Add User' },
      { node: 'uptime', name: 'Get uptime' },
    ],
  ],
};

export const CommandInfoResult = DiscoInfoResult;

const Note = Type.Object({
  type: Type.String({ description: 'info, warn or error (info when the responder gave none)' }),
  description: Type.String(),
});

export const CommandDoResult = Type.Object(
  {
    status: Type.Optional(Type.String({ description: 'executing, completed or canceled' })),
    sessionId: Type.Optional(Type.String({ description: 'Send it back with the next step' })),
    note: Type.Optional(Note),
    notes: Type.Optional(Type.Array(Note, { description: 'Every note, only when there are several (note is the first)' })),
    actions: Type.Optional(
      Type.Object({
        execute: Type.Optional(Type.String({ description: 'The default action' })),
        values: Type.Array(Type.String(), { description: 'Allowed actions: prev, next, complete' }),
      }),
    ),
    form: Type.Optional(FormSchema),
    oob: Type.Optional(OobSchema),
  },
  {
    examples: [
      {
        status: 'executing',
        sessionId: 'a1b2',
        actions: { execute: 'complete', values: ['next', 'complete'] },
        form: { type: 'form', title: 'Adding a User', fields: [{ var: 'accountjid', type: 'jid-single', required: true }], items: [] },
      },
    ],
  },
);
export type CommandDoResult = Static<typeof CommandDoResult>;

export const CommandListEvent = Type.Array(
  Type.Object({ node: Type.Optional(Type.String()), name: Type.Optional(Type.String()), from: JidObject }),
  { description: 'Commands announced by `from` (XEP-0050 §2.3); entries naming another JID are dropped' },
);

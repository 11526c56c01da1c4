import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';

const Groups = Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 256 });

export const RosterItem = Type.Object(
  {
    jid: JidObject,
    subscription: Type.String({ description: 'none, to, from, both or remove' }),
    name: Type.Optional(Type.String()),
    ask: Type.Optional(Type.Literal('subscribe')),
    groups: Type.Optional(Type.Array(Type.String())),
  },
  {
    examples: [{ jid: { user: 'bob', domain: 'example.org' }, subscription: 'both', name: 'Bob', groups: ['Friends'] }],
  },
);

export const RosterAddBody = Body(
  { jid: JidString(), name: Type.Optional(Type.String({ maxLength: 1024 })), groups: Type.Optional(Groups) },
  { examples: [{ jid: 'bob@example.org', name: 'Bob', groups: ['Friends'] }] },
);

export const RosterEditBody = Body(
  { jid: JidString(), groups: Groups, name: Type.Optional(Type.String({ maxLength: 1024 })) },
  { examples: [{ jid: 'bob@example.org', groups: ['Work'], name: 'Bob' }] },
);

export const RosterRemoveBody = Body({ jid: JidString() }, { examples: [{ jid: 'bob@example.org' }] });

export const RosterEditMessages = { 'type:groups': 'Groups should be an array' };

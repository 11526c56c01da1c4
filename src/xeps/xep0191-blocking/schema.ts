// XEP-0191 blocking: the JSON shapes of the actions and of the block/unblock pushes.
import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';

/** Most JIDs one block or unblock request names (one <item/> each). */
export const MAX_JIDS = 256;

const Jids = (description: string) =>
  Type.Array(JidString('A JID to block or unblock (bare, full or a domain)'), { minItems: 1, maxItems: MAX_JIDS, description });

export const ListBody = Body({}, { examples: [{}] });

export const ListResult = Type.Object(
  { jids: Type.Array(JidObject, { description: 'Every blocked JID, as the server keeps them (XEP-0191 §3.2)' }) },
  { description: 'The blocklist', examples: [{ jids: [{ user: 'romeo', domain: 'montague.net' }, { domain: 'spam.example.net' }] }] },
);

export const BlockBody = Body({ jids: Jids('The JIDs to block (XEP-0191 §3.3)') }, { examples: [{ jids: ['romeo@montague.net'] }] });
export const UnblockBody = Body(
  { jids: Type.Optional(Jids('The JIDs to unblock (XEP-0191 §3.4); left out: unblock everyone (§3.5)')) },
  { examples: [{ jids: ['romeo@montague.net'] }, {}] },
);
export const JidsMessages = { 'type:jids': 'Jids must be an array' };

export const BlockEvent = Type.Object(
  { jids: Type.Array(JidObject, { description: 'The JIDs now blocked' }) },
  { description: 'Another resource of the account (or this one) blocked JIDs (XEP-0191 §3.3 push)' },
);
export const UnblockEvent = Type.Object(
  {
    jids: Type.Array(JidObject, { description: 'The JIDs now unblocked; empty when `all`' }),
    all: Type.Optional(Type.Literal(true, { description: 'Everyone was unblocked: the blocklist is empty (XEP-0191 §3.5)' })),
  },
  { description: 'Another resource of the account (or this one) unblocked JIDs (XEP-0191 §3.4/§3.5 push)' },
);

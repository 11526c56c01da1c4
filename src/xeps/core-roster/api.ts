import { Type } from '@sinclair/typebox';
import { Empty, Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import { RosterAddBody, RosterEditBody, RosterEditMessages, RosterItem, RosterRemoveBody } from './schema.js';

const edit = (summary: string) => ({ summary, body: RosterEditBody, response: Ok, messages: RosterEditMessages });

export const api = defineApi({
  id: 'core-roster',
  tag: 'roster',
  spec: 'RFC 6121 §2',
  actions: {
    'roster.get': {
      summary: 'Fetch the roster (also makes the server send roster pushes to this session)',
      body: Empty,
      response: Type.Array(RosterItem),
    },
    'roster.add': {
      summary: 'Add a contact to the roster (does not subscribe: see presence/subscribe)',
      body: RosterAddBody,
      response: Ok,
    },
    'roster.edit': edit('Edit a contact: name and groups (the groups given replace all groups)'),
    'roster.group': edit('Deprecated alias of roster/edit'),
    'roster.remove': { summary: 'Remove a contact (also cancels subscriptions both ways)', body: RosterRemoveBody, response: Ok },
  },
  events: {
    'xmpp.roster.push': { summary: 'A roster change pushed by the server (subscription "remove" on deletion)', schema: RosterItem },
  },
});

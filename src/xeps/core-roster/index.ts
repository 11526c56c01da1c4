// Roster — RFC 6121 §2 (get, set, remove, pushes). XMPP-FTW: lib/roster.js (catalogue §6).
import { Type } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { Empty, Ok } from '../../schemas.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import { action, type XmppContext, type XepModule } from '../types.js';
import { parseRosterItem, rosterItem, type RosterItem as Item } from './mapping.js';
import { RosterAddBody, RosterEditBody, RosterEditMessages, RosterItem, RosterRemoveBody } from './schema.js';

function rosterSet(ctx: XmppContext, item: Item): Promise<{ ok: true }> {
  const iq = createElement('iq', { type: 'set', id: ctx.newId() });
  iq.cnode(createElement('query', { xmlns: NS.roster })).cnode(rosterItem.build(item));
  return ctx.iq(iq).then(() => ({ ok: true as const }));
}

const editAction = (name: string, summary: string) =>
  action({
    name,
    summary,
    body: RosterEditBody,
    response: Ok,
    messages: RosterEditMessages,
    handler: (ctx, body) => rosterSet(ctx, { jid: body.jid, ...(body.name !== undefined && { name: body.name }), groups: body.groups }),
  });

export const roster: XepModule = {
  id: 'core-roster',
  tag: 'roster',
  spec: 'RFC 6121 §2',
  actions: [
    action({
      name: 'roster.get',
      summary: 'Fetch the roster (also makes the server send roster pushes to this session)',
      body: Empty,
      response: Type.Array(RosterItem),
      async handler(ctx) {
        const iq = createElement('iq', { type: 'get', id: ctx.newId() });
        iq.cnode(createElement('query', { xmlns: NS.roster }));
        const result = await ctx.iq(iq);
        return (result.getChild('query', NS.roster)?.getChildren('item', NS.roster) ?? []).map(parseRosterItem) as never;
      },
    }),
    action({
      name: 'roster.add',
      summary: 'Add a contact to the roster (does not subscribe: see presence/subscribe)',
      body: RosterAddBody,
      response: Ok,
      handler: (ctx, body) =>
        rosterSet(ctx, { jid: body.jid, ...(body.name !== undefined && { name: body.name }), ...(body.groups && { groups: body.groups }) }),
    }),
    editAction('roster.edit', 'Edit a contact: name and groups (the groups given replace all groups)'),
    editAction('roster.group', 'Deprecated alias of roster/edit'),
    action({
      name: 'roster.remove',
      summary: 'Remove a contact (also cancels subscriptions both ways)',
      body: RosterRemoveBody,
      response: Ok,
      handler: (ctx, body) => rosterSet(ctx, { jid: body.jid, subscription: 'remove' }),
    }),
  ],
  incoming: [
    {
      key: `iq-set/${NS.roster}:query`,
      handle(ctx, stanza) {
        // RFC 6121 §2.1.6: a push is valid only without 'from' or from our own bare JID.
        const from = stanza.attrs.from;
        if (from !== undefined && from.toLowerCase() !== ctx.bareJid) {
          ctx.send(iqErrorReply(stanza, 'cancel', 'service-unavailable'));
          return true;
        }
        const item = stanza.getChild('query', NS.roster)?.getChild('item', NS.roster);
        ctx.send(iqResult(stanza));
        if (item) ctx.emit('xmpp.roster.push', parseRosterItem(item as Element));
        return true;
      },
    },
  ],
  events: [
    { name: 'xmpp.roster.push', summary: 'A roster change pushed by the server (subscription "remove" on deletion)', schema: RosterItem },
  ],
};

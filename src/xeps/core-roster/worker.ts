import type { Static } from '@sinclair/typebox';
import { iqAction, iqOk } from '../../xmpp/iq-action.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { parseRosterItem, rosterQuery, type RosterItemOut } from './mapping.js';
import type { RosterEditBody } from './schema.js';

// RFC 6121 §2.1.5: a roster set carries exactly one item; no 'to', the own account handles it.
const rosterSet = <B>(item: (body: B) => RosterItemOut) =>
  iqOk<B>({ type: 'set', payload: (body) => rosterQuery.build({ items: [item(body)] }) });

const edit = rosterSet((body: Static<typeof RosterEditBody>) => ({
  jid: body.jid,
  ...(body.name !== undefined && { name: body.name }),
  groups: body.groups,
}));

export const worker = defineWorker(api, {
  actions: {
    'roster.get': iqAction({
      type: 'get',
      payload: () => rosterQuery.build({}),
      result: (query) => (query ? (rosterQuery.parse(query).items ?? []).map(parseRosterItem) : []),
    }),
    'roster.add': rosterSet((body) => ({
      jid: body.jid,
      ...(body.name !== undefined && { name: body.name }),
      ...(body.groups && { groups: body.groups }),
    })),
    'roster.edit': edit,
    'roster.group': edit,
    'roster.remove': rosterSet((body) => ({ jid: body.jid, subscription: 'remove' })),
  },
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
        const query = stanza.getChild('query', NS.roster);
        const item = query ? rosterQuery.parse(query).items?.[0] : undefined;
        ctx.send(iqResult(stanza));
        if (item) ctx.emit('xmpp.roster.push', parseRosterItem(item));
        return true;
      },
    },
  ],
});

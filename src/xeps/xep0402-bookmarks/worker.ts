import { createElement } from 'ltx';
import { isGatewayErrorLike } from '../../errors.js';
import { iqOk } from '../../xmpp/iq-action.js';
import { defineWorker } from '../area.js';
import { PS } from '../xep0060-pubsub/mapping.js';
import { api } from './api.js';
import { parseBookmarkEvent, parseBookmarks, publishBookmark, requestBookmarks, retractBookmark } from './mapping.js';

export const worker = defineWorker(api, {
  actions: {
    // The own account's PEP service (XEP-0163 §3): addressed to the own bare JID, as the PubSub area does.
    async 'bookmarks.list'(ctx) {
      const iq = createElement('iq', { type: 'get', to: ctx.bareJid, id: ctx.newId() });
      iq.cnode(requestBookmarks());
      try {
        return parseBookmarks((await ctx.iq(iq)).getChild('pubsub', PS.pubsub));
      } catch (err) {
        // A node never created is item-not-found (XEP-0060 §6.5.9.11): no bookmarks yet.
        if (isGatewayErrorLike(err) && err.body.condition === 'item-not-found') return [];
        throw err;
      }
    },
    'bookmarks.add': iqOk({ type: 'set', to: (_body, ctx) => ctx.bareJid, payload: (body) => publishBookmark(body) }),
    'bookmarks.remove': iqOk({ type: 'set', to: (_body, ctx) => ctx.bareJid, payload: (body) => retractBookmark(body.room) }),
  },
  incoming: [
    {
      // Ahead of the PubSub area's handler of every event notification (priority 0), beside avatar's (10):
      // a notification from the node urn:xmpp:bookmarks:1 is this area's only; other nodes go on.
      key: `message/${PS.event}:event`,
      priority: 15,
      handle(ctx, stanza) {
        if (stanza.attrs.type === 'error') return false;
        // Only the own account's PEP service keeps the bookmarks: no 'from', or the own bare JID.
        const from = stanza.attrs.from as string | undefined;
        if (from !== undefined && from.toLowerCase() !== ctx.bareJid) return false;
        const events = parseBookmarkEvent(stanza);
        if (!events) return false;
        for (const { event, data } of events) ctx.emit(event, data);
        return true;
      },
    },
  ],
});

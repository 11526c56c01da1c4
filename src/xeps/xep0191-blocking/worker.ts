import type { Element } from 'ltx';
import { iqAction, iqOk } from '../../xmpp/iq-action.js';
import type { XmppContext } from '../../xmpp/context.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { block, blocklist, itemsOf, jidsOf, unblock } from './mapping.js';

/**
 * A push (§3.3, §3.4) is the own server's: without 'from' or from the own bare JID (as a roster
 * push, RFC 6121 §2.1.6); anything else is refused with service-unavailable. Either way it is answered.
 */
function fromOwnServer(ctx: XmppContext, stanza: Element): boolean {
  const from = stanza.attrs.from as string | undefined;
  if (from === undefined || from.toLowerCase() === ctx.bareJid) return true;
  ctx.send(iqErrorReply(stanza, 'cancel', 'service-unavailable'));
  return false;
}

export const worker = defineWorker(api, {
  actions: {
    // No 'to': the own account answers (RFC 6120 §8.1.1.1).
    'blocking.list': iqAction({
      type: 'get',
      payload: () => blocklist.build({}),
      result: (answer) => ({ jids: answer ? jidsOf(blocklist.parse(answer)) : [] }),
    }),
    'blocking.block': iqOk({ type: 'set', payload: (body) => block.build({ items: itemsOf(body.jids) }) }),
    'blocking.unblock': iqOk({ type: 'set', payload: (body) => unblock.build({ items: itemsOf(body.jids) }) }),
  },
  incoming: [
    {
      key: `iq-set/${NS.blocking}:block`,
      handle(ctx, stanza) {
        if (!fromOwnServer(ctx, stanza)) return true;
        ctx.send(iqResult(stanza));
        const el = stanza.getChild('block', NS.blocking);
        const jids = el ? jidsOf(block.parse(el)) : [];
        if (jids.length > 0) ctx.emit('xmpp.blocking.block', { jids });
        return true;
      },
    },
    {
      key: `iq-set/${NS.blocking}:unblock`,
      handle(ctx, stanza) {
        if (!fromOwnServer(ctx, stanza)) return true;
        ctx.send(iqResult(stanza));
        const el = stanza.getChild('unblock', NS.blocking);
        if (!el) return true;
        const jids = jidsOf(unblock.parse(el));
        // §3.5: an <unblock/> without items unblocks everyone.
        ctx.emit('xmpp.blocking.unblock', jids.length > 0 ? { jids } : { jids, all: true });
        return true;
      },
    },
  ],
});

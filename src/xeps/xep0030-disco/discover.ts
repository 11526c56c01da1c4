// Finding a component of a server (XEP-0030 §4.2 then §3.1): disco#items of `of`, then disco#info of
// every item at once. Worker side; used by the areas that discover a service (buddycloud, upload).
import { createElement, type Element } from 'ltx';
import type { XmppContext } from '../../xmpp/context.js';
import { NS } from '../../xmpp/ns.js';
import { infoQuery, itemsQuery, parseInfo, parseItems, type InfoEntry } from './mapping.js';

export interface DiscoveredItem {
  jid: string;
  /** The item's disco#info query (undefined when it erred or did not answer in time). */
  query: Element | undefined;
  entries: InfoEntry[];
}

/** Every item of `of` with its disco#info, in disco#items order; both rounds fit in one IQ timeout (half each). */
export async function discoverItemsInfo(ctx: XmppContext, of: string): Promise<DiscoveredItem[]> {
  const half = Math.max(1, Math.floor(ctx.timeoutMs / 2));
  const itemsIq = createElement('iq', { type: 'get', to: of, id: ctx.newId() });
  itemsIq.cnode(itemsQuery.build({}));
  const reply = await ctx.iq(itemsIq, half);
  const jids = [
    ...new Set(
      parseItems(reply.getChild('query', NS.discoItems))
        .map((i) => i.jid)
        .filter((j): j is string => j !== undefined),
    ),
  ];
  return Promise.all(
    jids.map(async (jid) => {
      const iq = createElement('iq', { type: 'get', to: jid, id: ctx.newId() });
      iq.cnode(infoQuery.build({}));
      try {
        const query = (await ctx.iq(iq, half)).getChild('query', NS.discoInfo);
        return { jid, query, entries: parseInfo(query) };
      } catch {
        // An item that errs or does not answer in time is not the one looked for (as in XMPP-FTW).
        return { jid, query: undefined, entries: [] };
      }
    }),
  );
}

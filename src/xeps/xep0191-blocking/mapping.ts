// XEP-0191 elements: <blocklist/>, <block/> and <unblock/>, each a list of <item jid/>.
import type { Jid } from '../../xmpp/jid.js';
import { children, define, jidAttr } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';

const item = define<{ jid: Jid }, { jid: string }>('item', NS.blocking, { jid: jidAttr('jid') });

const list = (name: 'blocklist' | 'block' | 'unblock') =>
  define<{ items?: Array<{ jid: Jid }> }, { items?: Array<{ jid: string }> }>(name, NS.blocking, { items: children(item) });

/** §3.2 request and answer. */
export const blocklist = list('blocklist');
/** §3.3 request and push. */
export const block = list('block');
/** §3.4/§3.5 request and push (no items: everyone). */
export const unblock = list('unblock');

/** The JIDs of a parsed list (an item without a jid attribute is left out). */
export const jidsOf = (list: { items?: Array<{ jid: Jid | undefined }> }): Jid[] =>
  (list.items ?? []).map((i) => i.jid).filter((j): j is Jid => j !== undefined);

export const itemsOf = (jids: readonly string[] | undefined) => (jids ?? []).map((jid) => ({ jid }));

// XEP-0313 Message Archive Management (urn:xmpp:mam:2), the part every archive query shares: the
// query (§4: a data form filter, XEP-0059 paging), the results that arrive as messages before the
// IQ answer (§4.2, each tagged with the queryid), and the <fin/> that ends the query (§4.3). The
// areas that query an archive (a room's today, the own account's later) parse the forwarded
// messages themselves. Worker side.
import { createElement, type Element } from 'ltx';
import type { RsmPage, RsmRequest } from '../../schemas/rsm.js';
import type { XmppContext } from '../context.js';
import { bareJid } from '../jid.js';
import { NS } from '../ns.js';
import { type Delay, delay } from './delay.js';
import { buildForm } from './forms.js';
import { buildRsm, parseRsm } from './rsm.js';

export interface ArchiveFilter {
  with?: string;
  start?: string;
  end?: string;
}

/** query[mam:2 queryid] › x[jabber:x:data] (FORM_TYPE urn:xmpp:mam:2 and the filter) › set[rsm]. */
export function archiveQuery(queryId: string, filter: ArchiveFilter, rsm?: RsmRequest): Element {
  const query = createElement('query', { xmlns: NS.mam, queryid: queryId });
  const fields = (['with', 'start', 'end'] as const).flatMap((k) => (filter[k] !== undefined ? [{ var: k, value: filter[k] }] : []));
  if (fields.length > 0) query.cnode(buildForm(fields, NS.mam));
  if (rsm) query.cnode(buildRsm(rsm));
  return query;
}

/** The IQ answer's <fin/>: the page and whether it reaches the end of the archive. */
export function parseFin(reply: Element): { rsm: RsmPage; complete: boolean } {
  const fin = reply.getChild('fin', NS.mam);
  return { rsm: parseRsm(fin) ?? {}, complete: fin?.attrs.complete === 'true' || fin?.attrs.complete === '1' };
}

/** One result: <result queryid id> › <forwarded> › <delay/> + <message/>. */
export interface ArchivedResult {
  /** The archive's id of the message (for paging and XEP-0359). */
  id?: string;
  message: Element;
  /** When the archive received it. */
  stamp?: Delay;
}

interface Query {
  archive: string;
  accept(result: ArchivedResult): void;
}

// A query cannot make the session hold more than this many archived messages.
export const MAX_ARCHIVE_ITEMS = 10000;

const STATE = 'xmpp/shared/mam';
const queries = (ctx: XmppContext) => ctx.state(STATE, () => new Map<string, Query>());

/**
 * Starts collecting the results of a query to `archive` (a bare JID): each result that arrives
 * from that archive with the query's id is parsed and kept, up to MAX_ARCHIVE_ITEMS. Call done()
 * when the IQ answer has come (or failed).
 */
export function collect<T>(
  ctx: XmppContext,
  archive: string,
  parse: (result: ArchivedResult) => T | undefined,
): { queryId: string; items: T[]; done(): void } {
  const queryId = ctx.newId();
  const items: T[] = [];
  queries(ctx).set(queryId, {
    archive: bareJid(archive),
    accept(result) {
      const item = parse(result);
      if (item !== undefined && items.length < MAX_ARCHIVE_ITEMS) items.push(item);
    },
  });
  return { queryId, items, done: () => void queries(ctx).delete(queryId) };
}

/**
 * An incoming message carrying a result: kept when it answers a query of this session and comes
 * from the archive asked (XEP-0313 §4.2: anyone else's results are spoofed); true when claimed.
 */
export function receiveResult(ctx: XmppContext, stanza: Element): boolean {
  const result = stanza.getChild('result', NS.mam);
  const queryId = result?.attrs.queryid;
  const query = queryId !== undefined ? queries(ctx).get(queryId) : undefined;
  const from = stanza.attrs.from ?? '';
  if (!result || !query || from.includes('/') || bareJid(from) !== query.archive) return false;
  const forwarded = result.getChild('forwarded', NS.forward);
  const message = forwarded?.getChild('message');
  if (message) {
    const stamp = forwarded?.getChild('delay', NS.delay);
    query.accept({ message, ...(result.attrs.id !== undefined && { id: result.attrs.id }), ...(stamp && { stamp: delay.parse(stamp) }) });
  }
  return true;
}

/**
 * One page of an archive: `to` is the archive (a room, a PubSub service; undefined: the own
 * account's). Resolves once the IQ answer has come, with the results in the order they arrived.
 */
export async function queryArchive<T>(
  ctx: XmppContext,
  to: string | undefined,
  filter: ArchiveFilter,
  rsm: RsmRequest | undefined,
  parse: (result: ArchivedResult) => T | undefined,
): Promise<{ items: T[]; rsm: RsmPage; complete: boolean }> {
  // RFC 6120 §8.1.2.1: the own account's results come from its bare JID (or without 'from').
  const query = collect(ctx, to ?? ctx.bareJid, parse);
  try {
    const iq = createElement('iq', { type: 'set', ...(to !== undefined && { to }), id: ctx.newId() });
    iq.cnode(archiveQuery(query.queryId, filter, rsm));
    return { items: query.items, ...parseFin(await ctx.iq(iq)) };
  } finally {
    query.done();
  }
}

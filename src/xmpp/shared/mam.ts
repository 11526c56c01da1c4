// XEP-0313 Message Archive Management, the part every archive query shares: the query (§4: a data
// form filter, XEP-0059 paging), the results that arrive as messages before the IQ answer (§4.2,
// each tagged with the queryid), and the <fin/> that ends the query (§4.3). The areas that query an
// archive (the own account's and any archive in mam/query, a room's in muc/history) parse the
// forwarded messages themselves. Results are received for every query of the session by the MAM
// area's incoming handler (src/xeps/xep0313-mam/worker.ts), which hands them to receiveResult.
// Worker side.
import { createElement, type Element } from 'ltx';
import type { RsmPage, RsmRequest } from '../../schemas/rsm.js';
import type { XmppContext } from '../context.js';
import { bareJid } from '../jid.js';
import { NS } from '../ns.js';
import { type Delay, delay } from './delay.js';
import { buildForm } from './forms.js';
import { buildRsm, parseRsm } from './rsm.js';

/** The archive protocols the gateway speaks, newest first: urn:xmpp:mam:1 has the same query, results and fin. */
export const MAM_NAMESPACES = [NS.mam, NS.mam1] as const;
export type MamNamespace = (typeof MAM_NAMESPACES)[number];

export interface ArchiveFilter {
  with?: string;
  start?: string;
  end?: string;
  /** urn:xmpp:mam:2#extended (XEP-0313 0.7 and later): results before / after an archive id, or exactly these ids. */
  beforeId?: string;
  afterId?: string;
  ids?: string[];
}

export interface QueryOptions {
  /** The protocol the archive speaks (default urn:xmpp:mam:2). */
  ns?: MamNamespace;
  /** A PubSub node's archive (XEP-0442): the node, on the service in `to`. */
  node?: string;
}

/** query[mam queryid node?] › x[jabber:x:data] (FORM_TYPE and the filter) › set[rsm]. */
export function archiveQuery(queryId: string, filter: ArchiveFilter, rsm?: RsmRequest, options: QueryOptions = {}): Element {
  const ns = options.ns ?? NS.mam;
  const query = createElement('query', { xmlns: ns, queryid: queryId, ...(options.node !== undefined && { node: options.node }) });
  const fields = [
    ...(['with', 'start', 'end'] as const).flatMap((k) => (filter[k] !== undefined ? [{ var: k, value: filter[k] }] : [])),
    ...(filter.beforeId !== undefined ? [{ var: 'before-id', value: filter.beforeId }] : []),
    ...(filter.afterId !== undefined ? [{ var: 'after-id', value: filter.afterId }] : []),
    ...(filter.ids !== undefined ? [{ var: 'ids', value: filter.ids }] : []),
  ];
  if (fields.length > 0) query.cnode(buildForm(fields, ns));
  if (rsm) query.cnode(buildRsm(rsm));
  return query;
}

export interface Fin {
  rsm: RsmPage;
  /** The page reaches the end of the archive in the direction asked. */
  complete: boolean;
  /** false: the archive may still change the results (XEP-0313 <fin stable/>); default true. */
  stable: boolean;
}

const xsTrue = (v: string | undefined) => v === 'true' || v === '1';

/** The IQ answer's <fin/>: the page, whether it reaches the end of the archive, and whether it is stable. */
export function parseFin(reply: Element, ns: MamNamespace = NS.mam): Fin {
  const fin = reply.getChild('fin', ns);
  const stable = fin?.attrs.stable;
  return { rsm: parseRsm(fin) ?? {}, complete: xsTrue(fin?.attrs.complete), stable: stable === undefined || xsTrue(stable) };
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

// A query cannot make the session hold more than this many archived messages, whatever it asked.
export const MAX_ARCHIVE_ITEMS = 10000;

const STATE = 'xmpp/shared/mam';
const queries = (ctx: XmppContext) => ctx.state(STATE, () => new Map<string, Query>());

export interface Collected<T> {
  queryId: string;
  /** The parsed results in the order they arrived, with their archive ids. */
  results: Array<{ id?: string; item: T }>;
  /** More results came than the limit: the ones past it were dropped. */
  overflow: boolean;
  done(): void;
}

/**
 * Starts collecting the results of a query to `archive` (a bare JID): each result that arrives
 * from that archive with the query's id is parsed and kept, up to `limit`: past it, the first ones
 * stay (`keep: 'first'`, paging forwards) or the last ones (`keep: 'last'`, paging back). Call
 * done() when the IQ answer has come (or failed).
 */
export function collect<T>(
  ctx: XmppContext,
  archive: string,
  parse: (result: ArchivedResult) => T | undefined,
  limit = MAX_ARCHIVE_ITEMS,
  keep: 'first' | 'last' = 'first',
): Collected<T> {
  const queryId = ctx.newId();
  const collected: Collected<T> = { queryId, results: [], overflow: false, done: () => void queries(ctx).delete(queryId) };
  const max = Math.min(limit, MAX_ARCHIVE_ITEMS);
  queries(ctx).set(queryId, {
    archive: bareJid(archive),
    accept(result) {
      // A server that ignores <max/>: past the limit the caller pages instead.
      if (collected.results.length >= max) {
        collected.overflow = true;
        if (keep === 'first') return;
        collected.results.shift();
      }
      const item = parse(result);
      if (item !== undefined) collected.results.push({ ...(result.id !== undefined && { id: result.id }), item });
    },
  });
  return collected;
}

/**
 * An incoming message carrying a result: kept when it answers a query of this session and comes
 * from the archive asked (XEP-0313 §4.2: anyone else's results are spoofed). Returns whether it
 * was kept; a message without a result element is not one.
 */
export function receiveResult(ctx: XmppContext, stanza: Element): boolean {
  const result = MAM_NAMESPACES.map((ns) => stanza.getChild('result', ns)).find((r) => r !== undefined);
  const queryId = result?.attrs.queryid;
  const query = queryId !== undefined ? queries(ctx).get(queryId) : undefined;
  const from = stanza.attrs.from ?? '';
  if (!result || !query || from.includes('/') || bareJid(from) !== query.archive) return false;
  const forwarded = result.getChild('forwarded', NS.forward);
  const message = forwarded?.getChild('message');
  if (!message) return false;
  const stamp = forwarded?.getChild('delay', NS.delay);
  query.accept({ message, ...(result.attrs.id !== undefined && { id: result.attrs.id }), ...(stamp && { stamp: delay.parse(stamp) }) });
  return true;
}

export interface ArchivePage<T> extends Fin {
  items: T[];
}

export interface ArchiveQueryOptions extends QueryOptions {
  /** Most results asked for: `rsm.max` is lowered to it (the archive pages the rest), and no more are kept. */
  limit?: number;
  /** Called with the query's id before the query is sent (e.g. to tag events with it). */
  started?(queryId: string): void;
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
  options: ArchiveQueryOptions = {},
): Promise<ArchivePage<T>> {
  const { limit } = options;
  const asked = limit === undefined ? rsm : { ...rsm, max: Math.min(rsm?.max ?? limit, limit) };
  // RFC 6120 §8.1.2.1: the own account's results come from its bare JID (or without 'from').
  const query = collect(ctx, to ?? ctx.bareJid, parse, limit, pagingBack(asked) ? 'last' : 'first');
  try {
    options.started?.(query.queryId);
    const iq = createElement('iq', { type: 'set', ...(to !== undefined && { to }), id: ctx.newId() });
    iq.cnode(archiveQuery(query.queryId, filter, asked, options));
    const fin = parseFin(await ctx.iq(iq), options.ns);
    return { items: query.results.map((r) => r.item), ...(query.overflow ? truncated(fin, query.results, asked) : fin) };
  } finally {
    query.done();
  }
}

const pagingBack = (rsm: RsmRequest | undefined) => rsm?.before !== undefined && rsm.before !== false;

/**
 * The page as far as it was kept, when the archive sent more than asked: paging on from the last
 * kept result (or, paging back, from the first) loses nothing.
 */
function truncated<T>(fin: Fin, results: Array<{ id?: string; item: T }>, rsm: RsmRequest | undefined): Fin {
  const back = pagingBack(rsm);
  const edge = back ? results[0]?.id : results[results.length - 1]?.id;
  const rsmPage: RsmPage = { ...fin.rsm, ...(edge !== undefined && (back ? { first: edge } : { last: edge })) };
  if (back) delete rsmPage['first-index'];
  return { ...fin, rsm: rsmPage, complete: false };
}

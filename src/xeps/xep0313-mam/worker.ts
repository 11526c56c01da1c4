import { createElement, type Element } from 'ltx';
import { errors, GatewayError } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { bareJid, parseJid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { type ArchiveFilter, MAM_NAMESPACES, type MamNamespace, queryArchive, receiveResult } from '../../xmpp/shared/mam.js';
import { defineWorker } from '../area.js';
import { infoQuery, parseInfo } from '../xep0030-disco/mapping.js';
import { api } from './api.js';
import { parseArchivedMessage, parsePrefs, prefs } from './mapping.js';

/** What an archive's disco#info said it speaks (XEP-0313, Determining support). */
interface ArchiveInfo {
  ns: MamNamespace;
  /** urn:xmpp:mam:2#extended: the before-id, after-id and ids filters. */
  extended: boolean;
}

interface MamState {
  /** By archive JID (and node): what each archive speaks, asked once per session. */
  archives: Record<string, ArchiveInfo>;
}

// A session asks few archives (its own, a few rooms); past this many the oldest answer is forgotten.
const MAX_KNOWN_ARCHIVES = 64;
// Protocols the gateway does not speak (mam:0 ends a query with a message, mam:tmp has no form).
const OLDER = [NS.mam0, NS.mamTmp];

const mamState = (ctx: XmppContext) => ctx.state<MamState>(api.id, () => ({ archives: {} }));

function remember(ctx: XmppContext, key: string, info: ArchiveInfo): void {
  const { archives } = mamState(ctx);
  const keys = Object.keys(archives);
  if (keys.length >= MAX_KNOWN_ARCHIVES && keys[0] !== undefined) delete archives[keys[0]];
  archives[key] = info;
}

/**
 * The protocol of an archive: the newest of MAM_NAMESPACES its disco#info lists (older ones only
 * when it lists nothing newer). A query of the archive waits for this answer, so it gets a third
 * of the IQ timeout: the two requests together stay within one request's time.
 */
async function archiveInfo(ctx: XmppContext, archive: string, node: string | undefined): Promise<ArchiveInfo> {
  const key = node === undefined ? archive : `${archive} node=${node}`;
  const known = mamState(ctx).archives[key];
  if (known) return known;
  const iq = createElement('iq', { type: 'get', to: archive, id: ctx.newId() });
  iq.cnode(infoQuery.build({ ...(node !== undefined && { node }) }));
  let features: string[];
  try {
    const reply = await ctx.iq(iq, Math.max(1, Math.floor(ctx.timeoutMs / 3)));
    features = parseInfo(reply.getChild('query', NS.discoInfo)).flatMap((e) => (e.kind === 'feature' && e.var ? [e.var] : []));
  } catch (err) {
    // An archive that answers no disco#info: today's protocol without the extended filters. Only a
    // timeout is not remembered (the next query asks again).
    const info: ArchiveInfo = { ns: NS.mam, extended: false };
    if (!(err instanceof GatewayError && err.status === 504)) remember(ctx, key, info);
    return info;
  }
  const ns = MAM_NAMESPACES.find((n) => features.includes(n));
  if (ns === undefined) {
    const older = OLDER.find((n) => features.includes(n));
    throw errors.notImplemented(
      older !== undefined
        ? `${archive} speaks only ${older}; the gateway speaks ${MAM_NAMESPACES.join(' and ')}`
        : `${archive} advertises no message archive (XEP-0313)`,
    );
  }
  const info: ArchiveInfo = { ns, extended: ns === NS.mam && features.includes(NS.mamExtended) };
  remember(ctx, key, info);
  return info;
}

/** The archive named by `to` (a bare JID: archives are never resources), undefined for the own one. */
function archiveTo(body: { to?: string; node?: string }): string | undefined {
  if (body.to === undefined) {
    if (body.node !== undefined) throw errors.clientError("'node' needs 'to', the PubSub service", body);
    return undefined;
  }
  if (parseJid(body.to)?.resource !== undefined) throw errors.clientError("'to' must be a bare JID (an archive)", body);
  return body.to;
}

export const worker = defineWorker(api, {
  actions: {
    async 'mam.query'(ctx, body) {
      const to = archiveTo(body);
      const archive = bareJid(to ?? ctx.bareJid);
      const info = await archiveInfo(ctx, archive, body.node);
      const extended = body.beforeId !== undefined || body.afterId !== undefined || body.ids !== undefined;
      if (extended && !info.extended) {
        throw errors.notImplemented(`${archive} does not offer ${NS.mamExtended} (beforeId, afterId, ids)`);
      }
      const filter: ArchiveFilter = {
        ...(body.with !== undefined && { with: body.with }),
        ...(body.start !== undefined && { start: body.start }),
        ...(body.end !== undefined && { end: body.end }),
        ...(body.beforeId !== undefined && { beforeId: body.beforeId }),
        ...(body.afterId !== undefined && { afterId: body.afterId }),
        ...(body.ids !== undefined && { ids: body.ids }),
      };
      let queryId = body.queryId ?? '';
      const page = await queryArchive(ctx, to, filter, body.rsm, (result) => parseArchivedMessage(result, archive, queryId), {
        ns: info.ns,
        ...(body.node !== undefined && { node: body.node }),
        limit: ctx.limits.mamMaxResults,
        // The wire's queryid is always the gateway's own (unguessable, unique in the session); the
        // client's tag only labels the JSON.
        started: (id) => {
          queryId = body.queryId ?? id;
        },
      });
      // As XMPP-FTW did, each message is an event too; here once the page is complete, before the answer.
      for (const message of page.items) ctx.emit('xmpp.mam.message', message);
      return { messages: page.items, rsm: page.rsm, complete: page.complete, stable: page.stable, queryId };
    },
    async 'mam.preferences'(ctx, body) {
      const { ns } = await archiveInfo(ctx, ctx.bareJid, undefined);
      // RFC 6120 §8.1.1.1: no 'to', the own account answers.
      const iq = createElement('iq', { type: 'set', id: ctx.newId() });
      iq.cnode(prefs(ns).build({ default: body.default, always: body.always ?? [], never: body.never ?? [] }));
      await ctx.iq(iq);
      return { ok: true as const };
    },
    async 'mam.preferences.get'(ctx) {
      const { ns } = await archiveInfo(ctx, ctx.bareJid, undefined);
      const iq = createElement('iq', { type: 'get', id: ctx.newId() });
      iq.cnode(createElement('prefs', { xmlns: ns }));
      const reply = await ctx.iq(iq);
      return parsePrefs(reply.getChild('prefs', ns), ns);
    },
  },
  // Results of every archive query of the session (this area's and muc/history's) are claimed here:
  // one that answers no query of the session, or comes from anyone but the archive asked, is
  // dropped (spoofed, or late), never passed on to chat or to xmpp.wtf.push.
  incoming: MAM_NAMESPACES.map((ns) => ({
    key: `message/${ns}:result`,
    handle: (ctx: XmppContext, stanza: Element) => {
      receiveResult(ctx, stanza);
      return true;
    },
  })),
});

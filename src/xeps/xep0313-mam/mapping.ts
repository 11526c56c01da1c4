// XEP-0441 archive preferences and XEP-0313 archived messages, declared once for both directions. The
// query, its results and its fin are shared with the MUC area's room history (src/xmpp/shared/mam.ts).
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import { jidFromWire, jidToString } from '../../xmpp/jid.js';
import { appendChild, attr, define, type Field, type Mapping } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { type ArchivedResult, MAM_NAMESPACES, type MamNamespace } from '../../xmpp/shared/mam.js';
import { parseOob } from '../../xmpp/shared/oob.js';
import { parseChatMessage, parseReaction, parseRetract } from '../core-chat/mapping.js';
import type { MamMessage, MamPreferences } from './schema.js';

// ---------------------------------------------------------------------------------------------
// Preferences (XEP-0441): prefs[default] › always › jid* + never › jid*

/** A list of JIDs in a container that is always written (an empty <never/> clears the list). */
const jidList = (name: string): Field<string[]> => ({
  read: (el) =>
    el
      .getChild(name)
      ?.getChildren('jid')
      .map((j) => j.getText()) ?? [],
  write: (el, values) => {
    const list = appendChild(el, name);
    for (const jid of values) appendChild(list, 'jid').t(jid);
  },
});

export type Preferences = Static<typeof MamPreferences>;

const prefsMappings = new Map<MamNamespace, Mapping<Preferences>>(
  MAM_NAMESPACES.map((ns) => [
    ns,
    define<Preferences>('prefs', ns, { default: attr('default'), always: jidList('always'), never: jidList('never') }),
  ]),
);

/** The prefs mapping of the archive's protocol. */
export function prefs(ns: MamNamespace): Mapping<Preferences> {
  // Every namespace of MAM_NAMESPACES has its mapping, built just above.
  return prefsMappings.get(ns)!;
}

/** An answer's prefs (both lists always there; `default` as the archive said it). */
export function parsePrefs(el: Element | undefined, ns: MamNamespace): Preferences {
  return el ? prefs(ns).parse(el) : { always: [], never: [] };
}

// ---------------------------------------------------------------------------------------------
// Archived messages

export type ArchivedMessage = Static<typeof MamMessage>;

/**
 * xmpp.mam.message: the forwarded message parsed as chat parses a live one (content, XHTML,
 * state, receipts, correction, stanza-id), with the archive's timestamp as its delay, out-of-band
 * data, and where it sits in the archive. `archive` is the archive's bare JID: a message without
 * 'from' is its owner's own, and only the archive vouches for a stanza-id (XEP-0359 §5).
 */
export function parseArchivedMessage(result: ArchivedResult, archive: string, queryId: string): ArchivedMessage {
  const message = result.message;
  message.attrs.from ??= archive;
  const { archived, delay: ownDelay, ...parsed } = parseChatMessage(message);
  // A reaction (XEP-0444) or retraction (XEP-0424) is archived thanks to its store hint; a body beside it
  // is its XEP-0428 fallback, not content (as live chat treats it). Rooms archive them too (type groupchat).
  const reaction = message.attrs.type !== 'error' ? parseReaction(message) : undefined;
  const retract = message.attrs.type !== 'error' && !reaction ? parseRetract(message) : undefined;
  const chat = reaction || retract ? withoutContent(parsed) : parsed;
  const trusted = (archived ?? []).filter((a) => jidToString(a.by).toLowerCase() === archive);
  const delay = result.stamp ?? ownDelay;
  const received = message.getChild('received', NS.receipts)?.attrs.id;
  const oob = parseOob(message);
  const to = jidFromWire(message.attrs.to);
  return {
    ...chat,
    ...(delay && { delay }),
    ...(trusted.length > 0 && { archived: trusted }),
    ...(message.attrs.type !== undefined && { type: message.attrs.type }),
    ...(received !== undefined && { received }),
    ...(oob && { oob }),
    ...(reaction && { reaction: { id: reaction.id, reactions: reaction.reactions } }),
    ...(retract && { retract: { id: retract.id } }),
    mam: { ...(to && { to }), ...(result.id !== undefined && { id: result.id }), queryId },
  };
}

/** The parsed message without what its body gave (content, format, XHTML), for a fallback body. */
function withoutContent<T extends { content?: unknown; format?: unknown }>(message: T): Omit<T, 'content' | 'format'> {
  const { content: _content, format: _format, ...rest } = message;
  return rest;
}

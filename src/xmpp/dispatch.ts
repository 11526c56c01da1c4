// Incoming stanzas are routed by computed keys (as Prosody does), never by asking every area.
//   iq get/set:        iq-get/<ns>:<name>            (of the payload child)
//   message/presence:  message/<ns>:<name> for each child, then message/type:<type>, then message
// Within one key, handlers run by priority (higher first). Two areas on one key must say which goes
// first: equal priorities of different areas are refused here, so the registry's order never decides.
// One key is never computed from a stanza: UNCLAIMED, whose handlers get what no other handler
// claimed (receiveStanza calls them), as the true fallback of the dispatch.
import type { Element } from 'ltx';

/** Returns true when the stanza was fully handled; false lets the next handler have it. */
export type StanzaHandler<C> = (ctx: C, stanza: Element) => boolean | void;

/** The fallback key: its handlers see a stanza only after every handler of its own keys declined it. */
export const UNCLAIMED = 'unclaimed';

export function stanzaKeys(stanza: Element): string[] {
  const kind = stanza.name;
  if (kind === 'iq') {
    const payload = stanza.getChildElements()[0];
    const type = stanza.attrs.type ?? '';
    return payload ? [`iq-${type}/${payload.getNS() ?? ''}:${payload.name}`] : [];
  }
  const keys: string[] = [];
  for (const c of stanza.getChildElements()) keys.push(`${kind}/${c.getNS() ?? ''}:${c.name}`);
  const defaultType = kind === 'message' ? 'normal' : 'available';
  keys.push(`${kind}/type:${stanza.attrs.type ?? defaultType}`, kind);
  return keys;
}

interface Entry<C> {
  handler: StanzaHandler<C>;
  priority: number;
  owner: string;
  /** Declaration order within its owner (an area's own handlers keep the order it lists them in). */
  seq: number;
}

/**
 * Built once per worker and shared by its sessions: the handlers take the session's context at
 * dispatch time (a table per session would cost memory with every area added).
 */
export class Dispatcher<C> {
  private readonly handlers = new Map<string, Entry<C>[]>();
  private seq = 0;

  /** Registers a handler of `owner` (an area id); throws when another owner holds the key at the same priority. */
  on(key: string, handler: StanzaHandler<C>, owner: string, priority = 0): void {
    const list = this.handlers.get(key) ?? [];
    const clash = list.find((e) => e.owner !== owner && e.priority === priority);
    if (clash) {
      throw new Error(
        `Areas ${clash.owner} and ${owner} both handle '${key}' at priority ${priority}: declare which goes first (IncomingDef.priority)`,
      );
    }
    list.push({ handler, priority, owner, seq: this.seq++ });
    list.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    this.handlers.set(key, list);
  }

  /** Dispatches to the handlers of the first keys that claim the stanza; returns whether any did. */
  dispatch(ctx: C, stanza: Element): boolean {
    const seen = new Set<StanzaHandler<C>>();
    for (const key of stanzaKeys(stanza)) {
      for (const { handler } of this.handlers.get(key) ?? []) {
        if (seen.has(handler)) continue;
        seen.add(handler);
        if (handler(ctx, stanza) !== false) return true;
      }
    }
    return false;
  }

  /** Offers a stanza nobody claimed to the UNCLAIMED handlers (src/xmpp/incoming.ts). */
  dispatchUnclaimed(ctx: C, stanza: Element): boolean {
    for (const { handler } of this.handlers.get(UNCLAIMED) ?? []) if (handler(ctx, stanza) !== false) return true;
    return false;
  }

  /** Every key with the owners that handle it, highest priority first (for docs and tests). */
  table(): Map<string, Array<{ owner: string; priority: number }>> {
    return new Map([...this.handlers].map(([k, list]) => [k, list.map(({ owner, priority }) => ({ owner, priority }))]));
  }
}

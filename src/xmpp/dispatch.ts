// Incoming stanzas are routed by computed keys (as Prosody does), never by asking every module.
//   iq get/set:        iq-get/<ns>:<name>            (of the payload child)
//   message/presence:  message/<ns>:<name> for each child, then message/type:<type>, then message
import type { Element } from 'ltx';

/** Returns true when the stanza was fully handled; false lets the next key have it. */
export type StanzaHandler<C> = (ctx: C, stanza: Element) => boolean | void;

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

/**
 * Built once per worker and shared by its sessions: the handlers take the session's context at
 * dispatch time (a table per session would cost memory with every area added).
 */
export class Dispatcher<C> {
  private readonly handlers = new Map<string, StanzaHandler<C>[]>();

  on(key: string, handler: StanzaHandler<C>): void {
    const list = this.handlers.get(key);
    if (list) list.push(handler);
    else this.handlers.set(key, [handler]);
  }

  /** Dispatches to the handlers of the first keys that claim the stanza; returns whether any did. */
  dispatch(ctx: C, stanza: Element): boolean {
    const seen = new Set<StanzaHandler<C>>();
    for (const key of stanzaKeys(stanza)) {
      for (const handler of this.handlers.get(key) ?? []) {
        if (seen.has(handler)) continue;
        seen.add(handler);
        if (handler(ctx, stanza) !== false) return true;
      }
    }
    return false;
  }
}

// What a push subscription pushes (docs/api.md "Web Push"), and the payload it carries. Without an
// `events` list: xmpp.chat.message and xmpp.muc.message. Whatever the list, a chat message is pushed
// only when it has content and is not the carbon of one the account sent (XEP-0280), and a room
// message only when it has content, is not room history (XEP-0045 §7.2.15, a delay), is not the
// session's own, and is private or mentions the session's nick in that room as a word.

export const DEFAULT_PUSH_EVENTS: readonly string[] = ['xmpp.chat.message', 'xmpp.muc.message'];

export interface PushRule {
  events?: ReadonlySet<string>;
  /** The session's own nick in each room it is in (room bare JID → nick), followed from its own presences (status 110). */
  nicks: Map<string, string>;
}

const SELF = 110;
const NICK_CHANGE = 303;

type Fields = Record<string, unknown>;
const isFields = (data: unknown): data is Fields => typeof data === 'object' && data !== null && !Array.isArray(data);
const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Does `content` name `nick` as a word: not inside a longer run of letters, digits, `_` or `-` (case-insensitive)? */
export function mentions(content: string, nick: string): boolean {
  if (nick === '') return false;
  const hay = content.toLocaleLowerCase();
  const needle = nick.toLocaleLowerCase();
  const word = /[\p{L}\p{N}_-]/u;
  for (let at = hay.indexOf(needle); at !== -1; at = hay.indexOf(needle, at + 1)) {
    const before = hay[at - 1];
    const after = hay[at + needle.length];
    if ((before === undefined || !word.test(before)) && (after === undefined || !word.test(after))) return true;
  }
  return false;
}

/** Follows the session's nicks, then says whether this event is pushed. */
export function wanted(rule: PushRule, name: string, data: unknown): boolean {
  if (!isFields(data)) return false;
  const room = text(data.room);
  if ((name === 'xmpp.muc.roster' || name === 'xmpp.muc.destroy') && room !== undefined) {
    const status = Array.isArray(data.status) ? data.status : [];
    if (name === 'xmpp.muc.destroy') rule.nicks.delete(room);
    else if (status.includes(SELF)) {
      const nick = text(data.nick);
      if (data.type === 'unavailable' && !status.includes(NICK_CHANGE)) rule.nicks.delete(room);
      else if (nick !== undefined) rule.nicks.set(room, nick);
    }
  }
  if (!(rule.events ? rule.events.has(name) : DEFAULT_PUSH_EVENTS.includes(name))) return false;
  const content = text(data.content);
  if (name === 'xmpp.chat.message') return content !== undefined && content !== '' && data.carbon !== 'sent';
  if (name === 'xmpp.muc.message') {
    if (content === undefined || content === '' || data.delay !== undefined || room === undefined) return false;
    const own = rule.nicks.get(room);
    if (own !== undefined && data.nick === own) return false;
    if (data.private === true) return true;
    return own !== undefined && mentions(content, own);
  }
  return true;
}

/**
 * The plaintext of one push: `{ id, event, data }` as one line of JSON, at most PUSH_PAYLOAD_MAX bytes:
 * 4096 bytes of aes128gcm content (RFC 8291 §4) less its 86-byte header, 16-byte tag and 1-byte
 * delimiter. Over it, `content` is shortened (and `truncated: true` added); if still over, `data` is
 * left out: the client reads the event from GET /v1/events with the id.
 */
export const PUSH_PAYLOAD_MAX = 4096 - 86 - 16 - 1;

export function pushPayload(id: string, event: string, data: unknown): string {
  const whole = JSON.stringify({ id, event, data });
  if (Buffer.byteLength(whole) <= PUSH_PAYLOAD_MAX) return whole;
  if (isFields(data) && typeof data.content === 'string') {
    const chars = [...data.content];
    const withContent = (n: number) =>
      JSON.stringify({ id, event, data: { ...data, content: chars.slice(0, n).join('') }, truncated: true });
    // The longest prefix (in characters) that fits: JSON escapes and UTF-8 make bytes and characters differ.
    let [lo, hi] = [-1, Math.min(chars.length, PUSH_PAYLOAD_MAX)];
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (Buffer.byteLength(withContent(mid)) <= PUSH_PAYLOAD_MAX) lo = mid;
      else hi = mid;
    }
    if (lo >= 0) return withContent(lo);
  }
  return JSON.stringify({ id, event, truncated: true });
}

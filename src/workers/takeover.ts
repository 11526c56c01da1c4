// What another node needs to take a session over (docs/api.md "Continuity", docs/adr/0001): where and
// as whom it is connected, its XEP-0198 stream (id, counters, unacknowledged stanzas), its rooms and
// presence, and the SCRAM keys that re-authenticate it. It leaves the worker only encrypted
// (AES-256-GCM with SESSION_KEY, bound to the session id): Redis, the main thread and the logs see
// an opaque string. The keys travel as bytes, never as text, so that the plaintext buffer can be zeroed.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { LoginRequest } from './protocol.js';
import type { ScramKeys } from './scram.js';
import type { SmSnapshot } from './stream-management.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Most joined rooms a snapshot carries (a bound on its size; the server keeps the occupancy anyway). */
export const MAX_ROOMS = 1000;

export interface TakeoverState {
  login: Omit<LoginRequest, 'password'>;
  /** The bound full JID. */
  jid: string;
  sm: SmSnapshot;
  /** Rooms joined (XEP-0045 §7.2) and the nick in each. */
  rooms: Array<{ room: string; nick: string }>;
  /** The last broadcast presence sent (serialized), if any. */
  presence?: string;
  /** When the snapshot was taken (ms since the epoch). */
  at: number;
}

export interface Takeover {
  state: TakeoverState;
  keys: ScramKeys;
}

/** Binds a blob to its session: one session's state cannot be passed off as another's. */
const aad = (sid: string) => Buffer.from(`xmpp-ftw-gateway takeover v${VERSION} ${sid}`, 'utf8');

type KeyMeta = Pick<ScramKeys, 'algorithm' | 'salt' | 'iterations'>;

export function sealTakeover(key: string, sid: string, t: Takeover): string {
  const { clientKey, serverKey, algorithm, salt, iterations } = t.keys;
  const meta: KeyMeta = { algorithm, salt, iterations };
  const json = Buffer.from(JSON.stringify({ state: t.state, keys: meta }), 'utf8');
  // [len][ClientKey][len][ServerKey][JSON]: the key bytes never become a string.
  const plain = Buffer.alloc(4 + clientKey.length + serverKey.length + json.length);
  let at = plain.writeUInt16BE(clientKey.length, 0);
  at += clientKey.copy(plain, at);
  at = plain.writeUInt16BE(serverKey.length, at);
  at += serverKey.copy(plain, at);
  json.copy(plain, at);
  const iv = randomBytes(IV_BYTES);
  const k = Buffer.from(key, 'base64');
  try {
    const cipher = createCipheriv('aes-256-gcm', k, iv);
    cipher.setAAD(aad(sid));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]).toString('base64');
  } finally {
    plain.fill(0);
    k.fill(0);
  }
}

/** Throws when the blob is not this session's, was altered, or was sealed with another key. */
export function openTakeover(key: string, sid: string, blob: string): Takeover {
  const raw = Buffer.from(blob, 'base64');
  if (raw.length < 1 + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) throw new Error('takeover state: unknown format');
  const k = Buffer.from(key, 'base64');
  let plain: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, raw.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(aad(sid));
    decipher.setAuthTag(raw.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    plain = Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    let at = 0;
    const take = () => {
      const n = plain!.readUInt16BE(at);
      // A copy: the plaintext buffer is zeroed below.
      const out = Buffer.from(plain!.subarray(at + 2, at + 2 + n));
      at += 2 + n;
      return out;
    };
    const clientKey = take();
    const serverKey = take();
    // Written by sealTakeover above from a TakeoverState and the keys' metadata: the one shape here.
    const parsed = JSON.parse(plain.subarray(at).toString('utf8')) as { state: TakeoverState; keys: KeyMeta };
    return { state: parsed.state, keys: { ...parsed.keys, clientKey, serverKey } };
  } finally {
    plain?.fill(0);
    k.fill(0);
  }
}

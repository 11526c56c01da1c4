// Secrets that shared state must hold in a form other nodes can use, but Redis must not read: sealed
// with AES-256-GCM under SESSION_KEY (the key of the takeover state, docs/adr/0001-reauthentication.md),
// bound to what they belong to (the authenticated context), so that a sealed value copied to another
// record does not open there. A value written before a key was configured stays readable as it is.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `key` is SESSION_KEY as config keeps it (base64 of 32 bytes); `context` names the owner of the value. */
export function seal(key: string, context: string, plain: string): string {
  const k = Buffer.from(key, 'base64');
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', k, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  } finally {
    k.fill(0);
  }
}

export const isSealed = (value: string): boolean => value.startsWith(PREFIX);

/** The plain value; throws when it is sealed and the key is missing or another, or it was altered or moved. */
export function unseal(key: string | undefined, context: string, value: string): string {
  if (!isSealed(value)) return value;
  if (!key) throw new Error('a sealed secret in shared state, and no SESSION_KEY to open it');
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('a sealed secret in shared state is truncated');
  const k = Buffer.from(key, 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('a sealed secret in shared state does not open with this SESSION_KEY (another key, or altered)');
  } finally {
    k.fill(0);
  }
}

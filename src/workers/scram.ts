// SCRAM-SHA-1 (RFC 5802) for @xmpp/sasl, with the key derivation done by node:crypto's pbkdf2 on
// libuv's thread pool. The mechanism @xmpp/client ships derives the key with 2×iterations awaited
// WebCrypto HMAC calls (~0.9 s of CPU per login here); this one costs a few milliseconds.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

// @xmpp/sasl base64-encodes with btoa, so strings cross it as latin1 "binary strings".
const toBinary = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const fromBinary = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

const hmac = (key: Buffer, data: string) => createHmac('sha1', key).update(data, 'utf8').digest();

export interface ScramCredentials {
  username: string;
  password: string;
  authzid?: string;
}

export class ScramSha1Mechanism {
  declare readonly name: string;
  declare readonly clientFirst: boolean;
  // The nonce is injectable for the RFC 5802 test vector; @xmpp/sasl constructs without arguments.
  constructor(private readonly cnonce: string = randomBytes(18).toString('base64')) {}
  private clientFirstBare = '';
  private serverFirst: string | undefined;
  private serverSignature: Buffer | undefined;

  /** @xmpp/sasl awaits this, so the key derivation below runs off the event loop. */
  async response(cred: ScramCredentials): Promise<string> {
    if (this.serverFirst === undefined) {
      this.clientFirstBare = `n=${saslName(cred.username)},r=${this.cnonce}`;
      const gs2 = cred.authzid ? `n,a=${saslName(cred.authzid)},` : 'n,,';
      return toBinary(gs2 + this.clientFirstBare);
    }
    const attrs = parseAttributes(this.serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce || !nonce.startsWith(this.cnonce) || !salt || !Number.isInteger(iterations) || iterations < 1) {
      throw new Error('SCRAM: invalid server-first message');
    }
    const salted = await pbkdf2Async(cred.password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, 20, 'sha1');
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha1').update(clientKey).digest();
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < clientKey.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return toBinary(`${withoutProof},p=${proof.toString('base64')}`);
  }

  challenge(chal: string): this {
    const message = fromBinary(chal);
    if (this.serverFirst === undefined) {
      this.serverFirst = message;
      return this;
    }
    // server-final sent as a challenge: check the server signature (mutual authentication).
    const v = parseAttributes(message).get('v');
    if (v !== undefined && this.serverSignature && !timingSafeEqual(Buffer.from(v, 'base64'), this.serverSignature)) {
      throw new Error('SCRAM: server signature mismatch');
    }
    return this;
  }
}
Object.defineProperty(ScramSha1Mechanism.prototype, 'name', { value: 'SCRAM-SHA-1' });
Object.defineProperty(ScramSha1Mechanism.prototype, 'clientFirst', { value: true });

// SCRAM-SHA-1 (RFC 5802), SCRAM-SHA-256 (RFC 7677) and SCRAM-SHA-512 (same construction with
// SHA-512, as registered by IANA and spoken by ejabberd and Prosody) for @xmpp/sasl, with the key
// derivation done by node:crypto's pbkdf2 on libuv's thread pool. The mechanism @xmpp/client ships
// derives the key with 2×iterations awaited WebCrypto HMAC calls (~0.9 s of CPU per login here);
// this one costs a few milliseconds.
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

/** A SCRAM exchange that cannot go on: the server's messages are malformed or fail mutual authentication. */
export class ScramError extends Error {
  override name = 'ScramError';
}

/**
 * The most PBKDF2 iterations a server may ask for (servers use 4096 to 10000; OWASP's 2023 advice
 * for PBKDF2-HMAC-SHA256 is 600000): about half a second of one thread-pool thread here.
 */
export const MAX_ITERATIONS = 1_000_000;

/** The channel binding types the gateway computes (RFC 5929 §3, RFC 9266 §2). */
export type ChannelBindingType = 'tls-unique' | 'tls-exporter';

/**
 * What the client's GS2 header says about channel binding (RFC 5802 §6, RFC 5056): `n` none (no
 * TLS, or the server's -PLUS binding is not one both sides know), `y` the client could bind but the
 * server offered no -PLUS mechanism (so a server that does bind fails the exchange: downgrade
 * protection), `p` bound to the TLS channel with `type`, whose `data` enters the proof.
 */
export type ChannelBinding = { flag: 'n' } | { flag: 'y' } | { flag: 'p'; type: ChannelBindingType; data: Buffer };

/**
 * What a SCRAM login keeps to authenticate again without the password (RFC 5802 §3): ClientKey
 * proves the client, ServerKey checks the server's signature. They open this account on servers
 * holding the same salt and iteration count only, and are not the password; the password itself is
 * never kept. Held in the worker's memory for the session and zeroed at its end (docs/adr/0001).
 */
export interface ScramKeys {
  algorithm: 'sha1' | 'sha256' | 'sha512';
  /** the server's salt, base64 as sent in server-first */
  salt: string;
  iterations: number;
  clientKey: Buffer;
  serverKey: Buffer;
}

/** Overwrites the keys' bytes: what is left in memory after a session ends is zeros. */
export function wipeScramKeys(keys: ScramKeys | undefined): void {
  keys?.clientKey.fill(0);
  keys?.serverKey.fill(0);
}

export interface ScramCredentials {
  username: string;
  /** absent on a re-authentication with `keys` */
  password?: string;
  /** a re-authentication: the keys of an earlier login instead of the password */
  keys?: ScramKeys;
  authzid?: string;
  /** absent: `n` (no channel binding) */
  channelBinding?: ChannelBinding;
}

/** The hash of a SCRAM mechanism: node:crypto's name and its output length in bytes. */
interface ScramHash {
  algorithm: 'sha1' | 'sha256' | 'sha512';
  bytes: number;
}

/**
 * One SCRAM exchange (RFC 5802 §5; the -PLUS variants bind it to the TLS channel, §6). The
 * subclasses below only name the hash and whether they bind; @xmpp/sasl's factory reads `name` and
 * `clientFirst` from the prototype and constructs without arguments, and hands the credentials
 * given to `authenticate()`, the channel binding included, to `response()`.
 */
abstract class ScramMechanism {
  declare readonly name: string;
  declare readonly clientFirst: boolean;
  protected abstract readonly hash: ScramHash;
  /** a -PLUS mechanism: channel binding `p` required */
  protected readonly plus: boolean = false;
  private gs2Header = '';
  private cbindData: Buffer = Buffer.alloc(0);
  // The nonce is injectable for the RFCs' test vectors.
  constructor(private readonly cnonce: string = randomBytes(18).toString('base64')) {}
  private clientFirstBare = '';
  private serverFirst: string | undefined;
  private serverSignature: Buffer | undefined;
  private verified = false;
  private derived: ScramKeys | undefined;

  /** @xmpp/sasl awaits this, so the key derivation below runs off the event loop. */
  async response(cred: ScramCredentials): Promise<string> {
    if (this.serverFirst === undefined) {
      const binding = cred.channelBinding ?? { flag: 'n' };
      if (this.plus !== (binding.flag === 'p')) {
        throw new ScramError(`SCRAM: ${this.name} ${this.plus ? 'needs' : 'cannot take'} a channel binding`);
      }
      const cbind = binding.flag === 'p' ? `p=${binding.type}` : binding.flag;
      this.gs2Header = `${cbind},${cred.authzid ? `a=${saslName(cred.authzid)}` : ''},`;
      this.cbindData = binding.flag === 'p' ? binding.data : Buffer.alloc(0);
      this.clientFirstBare = `n=${saslName(cred.username)},r=${this.cnonce}`;
      return toBinary(this.gs2Header + this.clientFirstBare);
    }
    if (this.serverSignature !== undefined) return ''; // the empty response after a server-final challenge
    const { algorithm, bytes } = this.hash;
    const attrs = parseAttributes(this.serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce || !nonce.startsWith(this.cnonce) || !salt || !Number.isInteger(iterations) || iterations < 1) {
      throw new ScramError('SCRAM: invalid server-first message');
    }
    // RFC 5802 §5.1: a mandatory extension this client does not know must fail the authentication.
    if (attrs.has('m')) throw new ScramError('SCRAM: unsupported mandatory extension in server-first message');
    // The derivation holds one of libuv's few pool threads for as long as the server asks: bounded.
    if (iterations > MAX_ITERATIONS) throw new ScramError(`SCRAM: iteration count ${iterations} above ${MAX_ITERATIONS}`);
    const hmac = (key: Buffer, data: string) => createHmac(algorithm, key).update(data, 'utf8').digest();
    let clientKey: Buffer;
    let serverKey: Buffer;
    if (cred.keys) {
      // A re-authentication: the same keys fit only the same salt and iteration count (a changed
      // password changes the salt on Prosody and ejabberd); the exchange is otherwise the same.
      const k = cred.keys;
      if (k.algorithm !== algorithm || k.salt !== salt || k.iterations !== iterations) {
        throw new ScramError("SCRAM: the account's salt or iteration count changed since login (password changed?)");
      }
      clientKey = k.clientKey;
      serverKey = k.serverKey;
    } else {
      if (cred.password === undefined) throw new ScramError('SCRAM: no password and no keys');
      const salted = await pbkdf2Async(cred.password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, bytes, algorithm);
      clientKey = hmac(salted, 'Client Key');
      serverKey = hmac(salted, 'Server Key');
      salted.fill(0);
      this.derived = { algorithm, salt, iterations, clientKey, serverKey };
    }
    // RFC 5802 §7 channel-binding: base64 of the GS2 header and, with `p`, the binding data.
    const cbindInput = Buffer.concat([Buffer.from(this.gs2Header, 'utf8'), this.cbindData]);
    const withoutProof = `c=${cbindInput.toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const storedKey = createHash(algorithm).update(clientKey).digest();
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < clientKey.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.serverSignature = hmac(serverKey, authMessage);
    return toBinary(`${withoutProof},p=${proof.toString('base64')}`);
  }

  challenge(chal: string): this {
    const message = fromBinary(chal);
    if (this.serverFirst === undefined) {
      this.serverFirst = message;
      return this;
    }
    // server-final sent as a challenge (RFC 6120 §6.3.10 allows it as well as in <success/>).
    this.verifyServerFinal(chal);
    return this;
  }

  /**
   * Checks the server-final message (mutual authentication, RFC 5802 §5.1 `v`): throws when the
   * server does not prove it knows the password's keys, or reports an error (`e`).
   */
  verifyServerFinal(final: string): void {
    const attrs = parseAttributes(fromBinary(final));
    const error = attrs.get('e');
    if (error !== undefined) throw new ScramError(`SCRAM: server error ${error}`);
    const v = attrs.get('v');
    if (v === undefined || !this.serverSignature) throw new ScramError('SCRAM: invalid server-final message');
    const given = Buffer.from(v, 'base64');
    if (given.length !== this.serverSignature.length || !timingSafeEqual(given, this.serverSignature)) {
      throw new ScramError('SCRAM: server signature mismatch');
    }
    this.verified = true;
  }

  /** The keys this exchange derived from the password (none on a re-authentication with keys). */
  get keys(): ScramKeys | undefined {
    return this.derived;
  }

  /** Whether the server signature was checked (a server-final came as a challenge or was passed in). */
  get serverVerified(): boolean {
    return this.verified;
  }
}

export class ScramSha1Mechanism extends ScramMechanism {
  protected readonly hash: ScramHash = { algorithm: 'sha1', bytes: 20 };
}
export class ScramSha256Mechanism extends ScramMechanism {
  protected readonly hash: ScramHash = { algorithm: 'sha256', bytes: 32 };
}
export class ScramSha512Mechanism extends ScramMechanism {
  protected readonly hash: ScramHash = { algorithm: 'sha512', bytes: 64 };
}
export class ScramSha1PlusMechanism extends ScramSha1Mechanism {
  protected override readonly plus = true;
}
export class ScramSha256PlusMechanism extends ScramSha256Mechanism {
  protected override readonly plus = true;
}
export class ScramSha512PlusMechanism extends ScramSha512Mechanism {
  protected override readonly plus = true;
}
export type { ScramMechanism };

/** Every SCRAM mechanism the gateway speaks without channel binding, most preferred first (the strongest hash). */
export const SCRAM_MECHANISMS = [
  ['SCRAM-SHA-512', ScramSha512Mechanism],
  ['SCRAM-SHA-256', ScramSha256Mechanism],
  ['SCRAM-SHA-1', ScramSha1Mechanism],
] as const;

/** The -PLUS twins (RFC 5802 §6), used only over TLS with a binding both sides know, most preferred first. */
export const SCRAM_PLUS_MECHANISMS = [
  ['SCRAM-SHA-512-PLUS', ScramSha512PlusMechanism],
  ['SCRAM-SHA-256-PLUS', ScramSha256PlusMechanism],
  ['SCRAM-SHA-1-PLUS', ScramSha1PlusMechanism],
] as const;

for (const [name, mech] of [...SCRAM_MECHANISMS, ...SCRAM_PLUS_MECHANISMS]) {
  Object.defineProperty(mech.prototype, 'name', { value: name });
  Object.defineProperty(mech.prototype, 'clientFirst', { value: true });
}

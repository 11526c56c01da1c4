// A local push service on 127.0.0.1 for the Web Push tests, written from the RFCs with node:crypto
// only (never with the library under test): it checks each request's VAPID authorization (RFC 8292
// §2, §3: `vapid t=<ES256 JWT>, k=<public key>`, aud = the endpoint's origin, exp in the future and at
// most 24 h away, sub present) and decrypts its aes128gcm body (RFC 8188 §2, RFC 8291 §3.3, §3.4) with
// the private key of the browser subscription it made for that path. With `tls` it is an https: push
// service, as real ones are.
import { createECDH, createHmac, createDecipheriv, createPublicKey, randomBytes, verify as verifySignature } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushReceived {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The verified JWT claims. */
  claims?: { aud?: string; exp?: number; sub?: string };
  /** The decrypted payload, parsed. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- payloads are asserted field by field
  payload?: any;
  plaintextBytes?: number;
  /** Why verification or decryption failed (then the answer was 400 or 401). */
  error?: string;
  status: number;
}

interface Browser {
  ecdh: ReturnType<typeof createECDH>;
  publicKey: Buffer;
  auth: Buffer;
}

const b64u = (b: Buffer) => b.toString('base64url');

export class PushEndpoint {
  readonly received: PushReceived[] = [];
  /** How to answer a request that verified, by path (default 201, as push services do). */
  answer: (path: string) => number = () => 201;
  private readonly browsers = new Map<string, Browser>();
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    /** The VAPID public key the gateway must sign with. */
    readonly vapidPublicKey: string,
    private readonly scheme: 'http' | 'https' = 'http',
  ) {}

  get origin(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  static async start(vapidPublicKey: string, options: { tls?: { key: string; cert: string } } = {}): Promise<PushEndpoint> {
    const server = options.tls ? https.createServer(options.tls) : http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const p = new PushEndpoint(server, address.port, vapidPublicKey, options.tls ? 'https' : 'http');
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const entry = p.handle(req.url ?? '/', req.headers, Buffer.concat(chunks));
        p.received.push(entry);
        res.writeHead(entry.status).end();
        for (const w of p.waiters.splice(0)) w();
      });
    });
    return p;
  }

  /** A new browser subscription (as pushManager.subscribe() makes one) on this endpoint's path. */
  subscription(path = `/push/${b64u(randomBytes(6))}`): BrowserSubscription {
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys();
    const auth = randomBytes(16);
    this.browsers.set(path, { ecdh, publicKey, auth });
    return { endpoint: `${this.origin}${path}`, keys: { p256dh: b64u(publicKey), auth: b64u(auth) } };
  }

  private handle(path: string, headers: http.IncomingHttpHeaders, body: Buffer): PushReceived {
    const out: PushReceived = { path, headers, status: 201 };
    try {
      out.claims = this.checkVapid(String(headers.authorization ?? ''));
    } catch (err) {
      return { ...out, status: 401, error: `vapid: ${(err as Error).message}` };
    }
    try {
      if (headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${headers['content-encoding']}`);
      if (headers.ttl === undefined) throw new Error('no TTL header (RFC 8030 §5.2)');
      const browser = this.browsers.get(path);
      if (!browser) throw new Error(`no subscription at ${path}`);
      const plaintext = decrypt(browser, body);
      out.plaintextBytes = plaintext.length;
      out.payload = JSON.parse(plaintext.toString('utf8'));
    } catch (err) {
      return { ...out, status: 400, error: `decrypt: ${(err as Error).message}` };
    }
    out.status = this.answer(path);
    return out;
  }

  /** RFC 8292 §3: the JWT (RFC 7515 compact, ES256 = raw r||s) verified with `k`; the claims of §2. */
  private checkVapid(header: string): { aud?: string; exp?: number; sub?: string } {
    const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
    if (!m) throw new Error(`authorization is not "vapid t=…, k=…": ${header}`);
    const [jwt, k] = [m[1]!, m[2]!];
    if (k !== this.vapidPublicKey) throw new Error('k is not the configured VAPID public key');
    const [h, p, s] = jwt.split('.');
    if (h === undefined || p === undefined || s === undefined) throw new Error('not a compact JWT');
    const head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
    if (head.alg !== 'ES256') throw new Error(`alg ${head.alg}`);
    const point = Buffer.from(k, 'base64url');
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) },
      format: 'jwk',
    });
    const ok = verifySignature('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
    if (!ok) throw new Error('bad ES256 signature');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { aud?: string; exp?: number; sub?: string };
    if (claims.aud !== this.origin) throw new Error(`aud ${claims.aud}, not ${this.origin}`);
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 24 * 3600) throw new Error(`exp ${claims.exp}`);
    if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Error(`sub ${claims.sub}`);
    return claims;
  }

  async until(predicate: () => boolean, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`push endpoint: timed out; got ${JSON.stringify(this.received.map((r) => r.payload ?? r.error))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/** RFC 8188 §2 with the keys of RFC 8291 §3.3–3.4; one record (a push is at most 4096 bytes). */
function decrypt(browser: Browser, body: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  if (idlen !== 65) throw new Error(`keyid is ${idlen} bytes, not the 65 of a P-256 point`);
  const record = body.subarray(21 + idlen);
  if (record.length > rs) throw new Error('more than one record');
  const ecdhSecret = browser.ecdh.computeSecret(asPublic);
  // RFC 8291 §3.4: PRK_key = HMAC(auth, ecdh); IKM = HMAC(PRK_key, "WebPush: info" 0x00 ua_public as_public 0x01).
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), browser.publicKey, asPublic, Buffer.from([1])]);
  const ikm = hmac(hmac(browser.auth, ecdhSecret), keyInfo);
  // RFC 8188 §2.2, §2.3: PRK = HMAC(salt, IKM); CEK and NONCE from their info strings.
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // §2: the plaintext, then the delimiter 0x02 of the last record, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

/** A VAPID key pair made with node:crypto, in the form PUSH_VAPID_* take (base64url point and scalar). */
export function vapidKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  const publicKey = ecdh.generateKeys();
  const priv = ecdh.getPrivateKey();
  return { publicKey: b64u(publicKey), privateKey: b64u(Buffer.concat([Buffer.alloc(32 - priv.length), priv])) };
}

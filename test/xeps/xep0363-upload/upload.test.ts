// XEP-0363 end to end against Prosody 0.12's mod_http_file_share (upload.localhost, startProsody({ upload })).
// Its PUT and GET URLs point at a counting TCP proxy of this test in front of Prosody's HTTP port, so every
// byte that reaches the upload service is counted: a refused upload must leave the count unchanged.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import t from 'tap';
import { startGateway } from '../../helpers/gateway.js';
import { startNode } from '../../helpers/node-process.js';
import { startProsody } from '../../helpers/prosody.js';

const SIZE_LIMIT = 24 * 1024 * 1024;
const BIG = 20 * 1024 * 1024;

/** A TCP proxy to Prosody's HTTP port that counts the bytes clients send through it. */
let target = 0;
let upstreamBytes = 0;
const proxy = net.createServer((client) => {
  const server = net.connect(target, '127.0.0.1');
  client.on('data', (chunk: Buffer) => (upstreamBytes += chunk.length));
  client.pipe(server).pipe(client);
  const end = () => {
    client.destroy();
    server.destroy();
  };
  client.on('error', end);
  server.on('error', end);
  client.on('close', end);
  server.on('close', end);
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const proxyPort = (proxy.address() as net.AddressInfo).port;

const prosody = await startProsody({ lean: true, upload: { sizeLimit: SIZE_LIMIT, externalUrl: () => `http://127.0.0.1:${proxyPort}/` } });
target = prosody.httpPort!;
const gw = await startGateway(prosody, { uploadMaxBytes: 32 * 1024 * 1024 });
const user = prosody.users[0]!;
const { token } = await gw.login(user, { resource: 'gw' });

t.teardown(async () => {
  await gw.close();
  await prosody.stop();
  await new Promise((r) => proxy.close(r));
});

/** Deterministic bytes, made chunk by chunk (never the whole file at once), and their SHA-256. */
function fileStream(size: number, seed: string, atHalf?: () => Promise<void>): { stream: Readable; digest: Promise<string> } {
  const hash = createHash('sha256');
  let sent = 0;
  let counter = 0;
  let done!: (d: string) => void;
  const digest = new Promise<string>((r) => (done = r));
  const stream = new Readable({
    read() {
      if (sent >= size) {
        done(hash.digest('hex'));
        this.push(null);
        return;
      }
      const block = Buffer.alloc(Math.min(65536, size - sent));
      for (let off = 0; off < block.length; off += 32) {
        createHash('sha256').update(`${seed}:${counter++}`).digest().copy(block, off);
      }
      hash.update(block);
      const half = sent < size / 2 && sent + block.length >= size / 2;
      sent += block.length;
      if (half && atHalf) void atHalf().then(() => this.push(block));
      else this.push(block);
    },
  });
  return { stream, digest };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** POST /v1/upload with a streamed body; `declared` is the Content-Length sent (default: the real size). */
function upload(base: string, bearer: string, query: string, body: Readable | Buffer, declared: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/v1/upload?${query}`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/octet-stream', 'content-length': String(declared) },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
    });
    // A refusal may come before the body is sent: the gateway then closes the connection.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** The SHA-256 and length of a GET's body, streamed. */
async function fetchDigest(url: string): Promise<{ status: number; digest: string; length: number; type: string | null }> {
  const res = await fetch(url);
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    length += chunk.length;
  }
  return { status: res.status, digest: hash.digest('hex'), length, type: res.headers.get('content-type') };
}

t.test('upload/service finds upload.localhost and its max-file-size', async (t) => {
  const res = await gw.post('/v1/upload/service', {}, token);
  t.equal(res.status, 200);
  t.strictSame(res.body, { jid: 'upload.localhost', maxFileSize: SIZE_LIMIT });
});

t.test('upload/slot answers a PUT URL with its Authorization header, and a GET URL', async (t) => {
  const res = await gw.post('/v1/upload/slot', { filename: 'note.txt', size: 5, contentType: 'text/plain' }, token);
  t.equal(res.status, 200);
  t.match(res.body.put.url, new RegExp(`^http://127\\.0\\.0\\.1:${proxyPort}/file_share/[^/]+/note\\.txt$`));
  t.strictSame(Object.keys(res.body.put.headers), ['Authorization']);
  t.match(res.body.put.headers.Authorization, /^Bearer \S+$/);
  t.equal(res.body.get, res.body.put.url, 'mod_http_file_share serves the file where it was put');
  // The client may do the PUT itself with that slot.
  const put = await fetch(res.body.put.url, {
    method: 'PUT',
    headers: { ...res.body.put.headers, 'content-type': 'text/plain' },
    body: 'hello',
  });
  t.equal(put.status, 201);
  const got = await fetch(res.body.get);
  t.equal(await got.text(), 'hello');
});

t.test('upload/slot over the service max-file-size is 413 with the limit', async (t) => {
  const res = await gw.post('/v1/upload/slot', { filename: 'big.bin', size: SIZE_LIMIT + 1 }, token);
  t.equal(res.status, 413);
  t.equal(res.body.maxFileSize, SIZE_LIMIT);
});

t.test('POST /v1/upload streams a small file; the bytes round-trip exactly', async (t) => {
  const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0x80, 0x7f, ...Buffer.from('é ünïcode')]);
  const res = await upload(gw.url, token, 'filename=bytes.bin&contentType=application/octet-stream', bytes, bytes.length);
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.match(res.body.get, /\/file_share\/[^/]+\/bytes\.bin$/);
  const got = await fetch(String(res.body.get));
  t.equal(got.status, 200);
  t.same(Buffer.from(await got.arrayBuffer()), bytes);
});

t.test('POST /v1/upload streams 20 MB through a gateway process, forwarding while the client still sends', async (t) => {
  // The gateway as its own process (dist/src/server.js), so that its RSS is its own: VmRSS before, VmHWM (peak) after.
  const node = await startNode('upload-rss', {
    XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}`,
    UPLOAD_MAX_BYTES: String(32 * 1024 * 1024),
  });
  t.teardown(() => node.stop());
  const login = await fetch(`${node.url}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jid: user.jid, password: user.password, host: prosody.host, port: prosody.port, resource: 'rss' }),
  });
  t.equal(login.status, 201);
  const nodeToken = ((await login.json()) as { token: string }).token;
  const kb = async (field: string) => {
    const status = await readFile(`/proc/${node.pid}/status`, 'utf8');
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  };
  // A small upload first, so that what a first upload loads once (code, sockets) is in the baseline.
  const warm = await upload(node.url, nodeToken, 'filename=warm.bin', Buffer.alloc(1024, 7), 1024);
  t.equal(warm.status, 200);
  const rssBefore = await kb('VmRSS');
  const peakBefore = await kb('VmHWM');

  // At half the file the client stops sending until the service has received bytes of it (10 s at most): a
  // gateway that buffered the file before the PUT would send nothing, and the upload would fail.
  let atHalf = -1;
  const startBytes = upstreamBytes;
  const { stream, digest } = fileStream(BIG, 'big', async () => {
    for (let i = 0; i < 200 && upstreamBytes - startBytes < 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 50));
    atHalf = upstreamBytes - startBytes;
  });
  const started = Date.now();
  const res = await upload(node.url, nodeToken, 'filename=big.bin&contentType=application/octet-stream', stream, BIG);
  const ms = Date.now() - started;
  const peakAfter = await kb('VmHWM');
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.ok(atHalf >= 1024 * 1024, `the service received ${atHalf} bytes while the client held back the second half`);
  t.ok(upstreamBytes - startBytes >= BIG, `the service received the whole file (${upstreamBytes - startBytes} bytes with the HTTP head)`);
  const got = await fetchDigest(String(res.body.get));
  t.equal(got.status, 200);
  t.equal(got.length, BIG);
  t.equal(got.digest, await digest, 'the 20 MB came back byte for byte (SHA-256)');
  const growth = Math.max(peakAfter, peakBefore) - rssBefore;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  t.comment(`20 MB upload in ${ms} ms; gateway process RSS ${mb(rssBefore)} MB before, peak ${mb(peakAfter)} MB (growth ${mb(growth)} MB)`);
  // Reported, not asserted: RSS also counts Buffers already freed but not yet collected (V8 collects external
  // memory only after tens of MB of it), so it varies from run to run (14 to 30 MB measured for this 20 MB file).
  // What shows that nothing is buffered is the held-back second half above: a gateway that read the file before
  // the PUT would have sent nothing by then.
});

t.test('a file over the service max-file-size is 413 before any byte goes upstream', async (t) => {
  const startBytes = upstreamBytes;
  // Only a first piece is written: the answer must come before the body is read.
  const piece = Buffer.alloc(4096, 1);
  const res = await upload(gw.url, token, 'filename=huge.bin', Readable.from([piece], { objectMode: false }), SIZE_LIMIT + 1);
  t.equal(res.status, 413);
  t.equal(res.body.maxFileSize, SIZE_LIMIT);
  t.equal(upstreamBytes, startBytes, 'the upload service received nothing');
});

t.test('a file over UPLOAD_MAX_BYTES is 413 before any slot is asked for', async (t) => {
  const startBytes = upstreamBytes;
  const res = await upload(
    gw.url,
    token,
    'filename=huge.bin',
    Readable.from([Buffer.alloc(10)], { objectMode: false }),
    32 * 1024 * 1024 + 1,
  );
  t.equal(res.status, 413);
  t.match(res.body.description, /UPLOAD_MAX_BYTES/);
  t.equal(upstreamBytes, startBytes, 'the upload service received nothing');
});

t.test('Content-Length is required', async (t) => {
  const res = await new Promise<Answer>((resolve, reject) => {
    const req = http.request(`${gw.url}/v1/upload?filename=a.bin`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    });
    req.on('response', (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(Buffer.from('abc'));
  });
  t.equal(res.status, 400);
  t.match(res.body.description, /Content-Length/);
});

t.test('without a token: 401, nothing sent', async (t) => {
  const res = await fetch(`${gw.url}/v1/upload?filename=a.bin`, { method: 'POST', body: 'abc' });
  t.equal(res.status, 401);
});

t.test('a PUT URL outside UPLOAD_ALLOWED_HOSTS is refused (403), nothing sent', async (t) => {
  const strict = await startGateway(prosody, { uploadAllowedHosts: ['files.example.org'] });
  t.teardown(() => strict.close());
  const session = await strict.login(user, { resource: 'strict' });
  const startBytes = upstreamBytes;
  const res = await fetch(`${strict.url}/v1/upload?filename=a.bin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/octet-stream' },
    body: 'abc',
  });
  t.equal(res.status, 403);
  const body = (await res.json()) as { condition: string; description: string };
  t.equal(body.condition, 'host-not-allowed');
  t.match(body.description, new RegExp(`127\\.0\\.0\\.1:${proxyPort} is not allowed.*UPLOAD_ALLOWED_HOSTS`));
  t.equal(upstreamBytes, startBytes, 'the upload service received nothing');
});

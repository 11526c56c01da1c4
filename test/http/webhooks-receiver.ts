// A real HTTP webhook receiver on loopback for the multi-node webhook tests: records every request
// and answers as the test says (a status, or 'hang': never answered). With `tls` it is an https:
// receiver, and counts the connections that reached it (a refused certificate shows as a connection
// without a request).
import http from 'node:http';
import https from 'node:https';

export interface Delivery {
  webhook: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads are asserted field by field
  events: Array<{ id?: string; event: string; data: any }>;
}

export interface Received {
  id: string;
  body: Delivery;
  /** The status answered; 0 while (or if never) answered. */
  status: number;
}

export class Receiver {
  readonly requests: Received[] = [];
  /** TCP connections accepted (TLS handshakes included, whether they succeeded or not). */
  connections = 0;
  answer: (n: number) => number | 'hang' = () => 200;
  private readonly hanging: http.ServerResponse[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    private readonly scheme: 'http' | 'https',
  ) {}

  static async start(options: { tls?: { key: string; cert: string } } = {}): Promise<Receiver> {
    const server = options.tls ? https.createServer(options.tls) : http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const r = new Receiver(server, address.port, options.tls ? 'https' : 'http');
    server.on('connection', () => r.connections++);
    server.on('request', (req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => {
        const how = r.answer(r.requests.length + 1);
        r.requests.push({ id: String(req.headers['webhook-id']), body: JSON.parse(raw) as Delivery, status: how === 'hang' ? 0 : how });
        if (how === 'hang') r.hanging.push(res);
        else res.writeHead(how).end();
      });
    });
    return r;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  url(path = '/hook'): string {
    return `${this.scheme}://${this.host}${path}`;
  }

  /** Events of the requests answered 2xx, in the order they were received. */
  delivered(): Delivery['events'] {
    return this.requests.filter((q) => q.status >= 200 && q.status < 300).flatMap((q) => q.body.events);
  }

  chats(): string[] {
    return this.delivered()
      .filter((e) => e.event === 'xmpp.chat.message')
      .map((e) => String(e.data.content));
  }

  async until(what: string, predicate: () => boolean, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`receiver: timed out waiting for ${what}; got ${JSON.stringify(this.requests)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

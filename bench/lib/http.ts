// A small HTTP/1.1 JSON client over node:http with keep-alive sockets: the gateway's HTTP clients.
// (Cheaper per request than fetch, so more of the machine is left to what is measured.)
import http from 'node:http';

export interface JsonResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field by the scenarios
  body: any;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(baseUrl: string, maxSockets = 256) {
    this.url = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  post(path: string, body: unknown, token?: string): Promise<JsonResponse> {
    const payload = JSON.stringify(body ?? {});
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path,
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...(token && { authorization: `Bearer ${token}` }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      // Small single writes: never hold one back waiting for an ACK (a no-op once set on a socket).
      req.on('socket', (socket) => socket.setNoDelay(true));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// A TCP proxy on 127.0.0.1 between the gateway and an XMPP server, for the continuity tests: it can
// cut every connection at a chosen moment (a TCP reset both ways, as a failing network does) and
// refuse new connections for a while. The target can be changed (a fresh server behind the same port).
import net from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** connections accepted so far */
  accepted: number;
  /** everything the server sent through the proxy, as text (the tests' streams are not encrypted) */
  fromServer: string;
  /** Resets every open connection; with refuseMs, new ones are reset at once for that long. */
  cut(refuseMs?: number): void;
  /** Points new connections at another server. */
  retarget(port: number, host?: string): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let refuseUntil = 0;
  let target = { host: targetHost, port: targetPort };
  const server = net.createServer((client) => {
    proxy.accepted++;
    if (Date.now() < refuseUntil) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.on('data', (chunk: Buffer) => (proxy.fromServer += chunk.toString('utf8')));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('tcp-proxy: no address');
  const proxy: TcpProxy = {
    host: '127.0.0.1',
    port: address.port,
    accepted: 0,
    fromServer: '',
    cut(refuseMs = 0) {
      refuseUntil = Date.now() + refuseMs;
      for (const s of [...open]) if (!s.destroyed) s.resetAndDestroy();
      open.clear();
    },
    retarget(port, host = '127.0.0.1') {
      target = { host, port };
    },
    close() {
      proxy.cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

// What the continuity tests share: a Prosody (with mod_smacks unless lean), a TCP proxy in front of it
// that the gateway logs in through, one session with its event stream, and a peer on the server.
import type { Test } from 'tap';
import { startGateway, type TestGateway } from './gateway.js';
import { connectPeer, type Peer } from './peer.js';
import { startProsody, type ProsodyServer } from './prosody.js';
import type { SseClient, SseEvent } from './sse.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface Setup {
  prosody: ProsodyServer;
  proxy: TcpProxy;
  gw: TestGateway;
  token: string;
  jid: string;
  stream: SseClient;
  peer: Peer;
}

/** One session logged in through the proxy (resource "cont"), its event stream, and user2 as a direct peer. */
export async function setup(t: Test, opts: { lean?: boolean } = {}): Promise<Setup> {
  const prosody = await startProsody({ users: 2, logLevel: 'info', ...(opts.lean && { lean: true }) });
  const proxy = await startTcpProxy(prosody.port);
  const gw = await startGateway({ host: proxy.host, port: proxy.port, users: prosody.users });
  const peer = await connectPeer(prosody, prosody.users[1], { presence: true });
  t.teardown(async () => {
    await peer.stop();
    await gw.close();
    await proxy.close();
    await prosody.stop();
  });
  const login = await gw.login(prosody.users[0]!, { resource: 'cont' });
  const stream = await gw.events({ token: login.token });
  await stream.next((e) => e.event === 'xmpp.connection' && e.data.status === 'online');
  return { prosody, proxy, gw, token: login.token, jid: `${prosody.users[0]!.jid}/cont`, stream, peer };
}

export const connection = (events: SseEvent[]) => events.filter((e) => e.event === 'xmpp.connection').map((e) => e.data);

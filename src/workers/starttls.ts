// STARTTLS (RFC 6120 §5) with the certificate check under the gateway's control: @xmpp/starttls
// always verifies against the domain and offers no way to accept a development server's
// self-signed certificate.
import net from 'node:net';
import tls from 'node:tls';
import type { Client } from '@xmpp/client-core';
import TlsSocket from '@xmpp/tls/lib/Socket.js';
import { createElement } from 'ltx';

const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';

interface StreamFeatures {
  use(name: string, xmlns: string, handler: (ctx: { entity: unknown }, next: () => Promise<unknown>) => unknown): void;
}

interface UpgradableEntity {
  socket: unknown;
  sendReceive(el: unknown): Promise<{ is(name: string, ns: string): boolean }>;
  _attachSocket(socket: unknown): void;
  restart(): Promise<void>;
}

export function starttls(streamFeatures: StreamFeatures, options: { domain: string; verify: boolean }): void {
  streamFeatures.use('starttls', NS_TLS, async ({ entity }, next) => {
    // The entity is the @xmpp/client Client this plugin is registered on, with connection-tcp's socket methods.
    const e = entity as UpgradableEntity & Client;
    const raw = e.socket;
    if (!(raw instanceof net.Socket) || raw instanceof tls.TLSSocket) return next();
    const answer = await e.sendReceive(createElement('starttls', { xmlns: NS_TLS }));
    if (!answer.is('proceed', NS_TLS)) throw new Error('STARTTLS_FAILURE');
    const secure = new TlsSocket();
    secure.connect({ socket: raw, host: options.domain, servername: options.domain, rejectUnauthorized: options.verify });
    await new Promise<void>((resolve, reject) => {
      secure.once('connect', () => resolve());
      secure.once('error', (err: Error) => reject(err));
    });
    e._attachSocket(secure);
    await e.restart();
  });
}

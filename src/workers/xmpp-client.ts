// One XMPP c2s client, wired from xmpp.js parts: TCP, SASL (our fast SCRAM-SHA-1, PLAIN only
// over TLS, ANONYMOUS on request) and resource binding. No websocket, no reconnect, no stream
// management: the gateway owns the session lifecycle itself.
import { Client } from '@xmpp/client-core';
import _iqCaller from '@xmpp/iq/caller.js';
import _middleware from '@xmpp/middleware';
import _resourceBinding from '@xmpp/resource-binding';
import _sasl from '@xmpp/sasl';
import anonymous from '@xmpp/sasl-anonymous';
import plain from '@xmpp/sasl-plain';
import _streamFeatures from '@xmpp/stream-features';
import _tcp from '@xmpp/tcp';
import SASLFactory from 'saslmechanisms';
import { ScramSha1Mechanism } from './scram.js';
import { starttls } from './starttls.js';

export interface ClientOptions {
  host: string;
  port: number;
  domain: string;
  username?: string;
  password?: string;
  resource?: string;
  anonymous?: boolean;
  timeoutMs: number;
  /** Verify the server certificate on STARTTLS (false only for development servers). */
  tlsVerify: boolean;
}

export function createXmppClient(options: ClientOptions): Client {
  const entity = new Client({
    service: `xmpp://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`,
    domain: options.domain,
    timeout: options.timeoutMs,
  });
  _tcp({ entity });
  const middleware = _middleware({ entity });
  const streamFeatures = _streamFeatures({ middleware });
  const iqCaller = _iqCaller({ middleware, entity });
  // STARTTLS first when the server offers it (stream features are tried in registration order).
  starttls(streamFeatures, { domain: options.domain, verify: options.tlsVerify });

  // Priority order: SCRAM first; PLAIN is used only when the stream is encrypted.
  const saslFactory = new SASLFactory();
  saslFactory.use(ScramSha1Mechanism);
  plain(saslFactory);
  anonymous(saslFactory);

  _sasl({ streamFeatures, saslFactory }, async (authenticate, mechanisms) => {
    if (options.anonymous) {
      if (!mechanisms.includes('ANONYMOUS')) throw new AuthError('The server does not offer anonymous login');
      return authenticate({}, 'ANONYMOUS');
    }
    const usable = mechanisms.filter((m) => m !== 'ANONYMOUS' && (m !== 'PLAIN' || entity.isSecure()));
    const mechanism = usable[0];
    if (!mechanism) throw new AuthError('No compatible SASL mechanism offered');
    return authenticate({ username: options.username, password: options.password }, mechanism);
  });
  _resourceBinding({ streamFeatures, iqCaller }, options.resource);
  return entity;
}

export class AuthError extends Error {
  override name = 'SASLError';
}

// Direct XMPP clients, the baseline: the same xmpp.js stack a gateway worker runs
// (src/workers/xmpp-client.ts: @xmpp/client-core, TCP, SASL with the gateway's fast SCRAM-SHA-1,
// resource binding; no stream management), in this process, without HTTP or threads.
import type { Client } from '@xmpp/client-core';
import type { Element } from 'ltx';
import { createXmppClient } from '../../src/workers/xmpp-client.js';

export interface XmppTarget {
  host: string;
  port: number;
  domain: string;
}

export interface Account {
  username: string;
  password: string;
}

export interface DirectClient {
  client: Client;
  /** full JID bound by the server */
  jid: string;
  send(el: Element): Promise<void>;
  onStanza(listener: (el: Element) => void): void;
  stop(): Promise<void>;
}

export async function connectDirect(server: XmppTarget, account: Account, resource?: string, timeoutMs = 30000): Promise<DirectClient> {
  const client = createXmppClient({
    host: server.host,
    port: server.port,
    domain: server.domain,
    username: account.username,
    password: account.password,
    ...(resource !== undefined && { resource }),
    timeoutMs,
    tlsVerify: false,
  });
  client.on('error', () => undefined);
  await client.start();
  const jid = client.jid?.toString() ?? '';
  let stopped: Promise<void> | undefined;
  return {
    client,
    jid,
    send: (el) => client.send(el),
    onStanza: (listener) => client.on('stanza', listener),
    stop: () =>
      (stopped ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          client.stop().catch(() => undefined),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, 2000);
          }),
        ]);
        clearTimeout(timer);
        await client.disconnect().catch(() => undefined);
      })()),
  };
}

/** Runs fn over items with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(runners);
  return out;
}

// A real XMPP client (@xmpp/client) logged in to the test Prosody, to stand on the other side
// of the gateway. It records every stanza it receives so tests can wait for one after the fact.
import { client, xml, type XmppClient } from '@xmpp/client';
import type { Element } from 'ltx';

export interface PeerServer {
  host: string;
  port: number;
  /** default domain for users without a JID (the test Prosody's 'localhost') */
  domain?: string;
  /** used when user is null/undefined (anonymous login) and opts.domain is not given */
  anonDomain?: string;
}

export interface PeerUser {
  username: string;
  password: string;
  /** bare JID; its domain part is the domain to log in to */
  jid?: string;
}

export interface PeerOptions {
  resource?: string;
  /** send initial presence once online (and wait until the server has processed it) */
  presence?: boolean;
  /** override the domain to log in to */
  domain?: string;
}

export interface Peer {
  xmpp: XmppClient;
  /** full JID bound by the server */
  jid: string;
  send(el: Element): Promise<void>;
  /**
   * The first stanza received (before or after this call) that satisfies predicate and that no
   * earlier waitFor returned; so calling waitFor twice with the same predicate yields two stanzas.
   */
  waitFor(predicate: (stanza: Element) => boolean, timeoutMs?: number): Promise<Element>;
  /** every stanza received, in order */
  received: Element[];
  stop(): Promise<void>;
}

interface Waiter {
  predicate: (stanza: Element) => boolean;
  resolve: (stanza: Element) => void;
}

/**
 * Logs in user (or, when user is null/undefined, anonymously) to server with SASL PLAIN over the
 * plaintext loopback stream: @xmpp/client's own SCRAM-SHA-1 takes most of a second of CPU per login.
 */
export async function connectPeer(server: PeerServer, user?: PeerUser | null, opts: PeerOptions = {}): Promise<Peer> {
  const domain =
    opts.domain ?? (user ? (user.jid?.split('@')[1] ?? server.domain ?? 'localhost') : (server.anonDomain ?? server.domain ?? 'localhost'));
  const xmpp = client({
    service: `xmpp://${server.host}:${server.port}`,
    domain,
    ...(opts.resource !== undefined && { resource: opts.resource }),
    // A function is called as-is by @xmpp/client (lib/createOnAuthenticate.js), bypassing its
    // "never PLAIN on an insecure stream" rule; anonymous logins keep the default (ANONYMOUS).
    ...(user && {
      credentials: (authenticate: (creds: Record<string, unknown>, mechanism: string) => Promise<void>, mechanisms: string[]) => {
        if (!mechanisms.includes('PLAIN')) throw new Error(`server does not offer PLAIN (offers ${mechanisms.join(', ')})`);
        return authenticate({ username: user.username, password: user.password }, 'PLAIN');
      },
    }),
  });
  xmpp.reconnect.stop();

  const received: Element[] = [];
  const consumed = new Set<Element>();
  let waiters: Waiter[] = [];
  const errors: Error[] = [];
  xmpp.on('error', (err: Error) => errors.push(err));
  xmpp.on('stanza', (stanza: Element) => {
    received.push(stanza);
    for (const w of waiters) {
      if (!consumed.has(stanza) && safeMatch(w.predicate, stanza)) {
        consumed.add(stanza);
        waiters = waiters.filter((x) => x !== w);
        w.resolve(stanza);
      }
    }
  });

  try {
    await xmpp.start();
  } catch (err) {
    await stopClient(xmpp);
    throw new Error(`connectPeer(${user ? user.username : 'anonymous'}@${domain}): ${(err as Error).message}`, { cause: err });
  }
  const jid = xmpp.jid?.toString();
  if (!jid) throw new Error('connectPeer: no JID bound');

  if (opts.presence) {
    await xmpp.send(xml('presence'));
    // The server handles a session's stanzas in order: once our ping is answered, so is the presence.
    await xmpp.iqCaller.request(xml('iq', { type: 'get', to: domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 5000);
  }

  let stopped: Promise<void> | undefined;
  return {
    xmpp,
    jid,
    received,
    send: (el) => xmpp.send(el),
    waitFor(predicate, timeoutMs = 5000) {
      const found = received.find((s) => !consumed.has(s) && safeMatch(predicate, s));
      if (found) {
        consumed.add(found);
        return Promise.resolve(found);
      }
      return new Promise<Element>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve: (s) => {
            clearTimeout(timer);
            resolve(s);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((x) => x !== waiter);
          const recent = received
            .slice(-5)
            .map((s) => s.toString())
            .join('\n  ');
          const errs = errors.length ? `\nclient errors: ${errors.map((e) => e.message).join('; ')}` : '';
          reject(
            new Error(
              `${jid}: no matching stanza within ${timeoutMs} ms: ${predicate.toString()}\nlast received:\n  ${recent || '(nothing)'}${errs}`,
            ),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    stop: () => (stopped ??= stopClient(xmpp)),
  };
}

function safeMatch(predicate: (s: Element) => boolean, stanza: Element): boolean {
  try {
    return predicate(stanza);
  } catch {
    return false;
  }
}

async function stopClient(xmpp: XmppClient): Promise<void> {
  xmpp.reconnect.stop();
  // stop() closes the stream politely; do not hang a teardown if the server is already gone.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    xmpp.stop().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2000);
    }),
  ]);
  clearTimeout(timer);
  const socket = (xmpp as unknown as { socket?: { destroy?: () => void } | null }).socket;
  socket?.destroy?.();
}

// One XMPP server for an end-to-end suite, Prosody 0.12 or ejabberd 23.01, behind one shape: the
// suites (test/xmpp/suites/) take a TestServer and run unchanged against either, each server's
// thin test file (e.g. test/xeps/core-chat/core.test.ts and core-ejabberd.test.ts) starting its
// own. Where the servers legitimately differ, a suite asks `server.kind` and says which behaviour
// of that server it allows for.
import { startEjabberd } from './ejabberd.js';
import { startProsody, type TestUser } from './prosody.js';

export type ServerKind = 'prosody' | 'ejabberd';

export interface TestServer {
  kind: ServerKind;
  /** for test names and comments: "Prosody 0.12", "ejabberd 23.01" */
  name: string;
  host: string;
  port: number;
  /** the domain of the accounts */
  domain: string;
  /** a host that accepts SASL ANONYMOUS */
  anonDomain: string;
  /** the MUC service (XEP-0045), its rooms archived (XEP-0313) */
  mucDomain: string;
  /** accounts user1..userN on `domain` */
  users: TestUser[];
  stop(): Promise<void>;
}

export interface StartServerOptions {
  /** accounts user1..userN (default 2) */
  users?: number;
}

export async function startServer(kind: ServerKind, opts: StartServerOptions = {}): Promise<TestServer> {
  const users = opts.users ?? 2;
  if (kind === 'prosody') {
    const p = await startProsody({ users });
    return {
      kind,
      name: 'Prosody 0.12',
      host: p.host,
      port: p.port,
      domain: p.domain,
      anonDomain: p.anonDomain,
      mucDomain: p.mucDomain,
      users: p.users,
      stop: p.stop,
    };
  }
  const domain = 'localhost';
  const e = await startEjabberd({
    hosts: [{ domain }, { domain: `anon.${domain}`, anonymous: true }],
    users,
    muc: true,
    mam: true,
  });
  return {
    kind,
    name: 'ejabberd 23.01',
    host: e.host,
    port: e.port,
    domain,
    anonDomain: `anon.${domain}`,
    // mod_muc's host is conference.@HOST@ (test/helpers/ejabberd.ts)
    mucDomain: `conference.${domain}`,
    users: e.users,
    stop: e.stop,
  };
}

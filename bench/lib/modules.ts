// Checks that the bench Prosody runs the module set it claims: the lean one must not archive
// (mam), ack (smacks) or copy (carbons) messages, or the gateway's own cost hides behind Prosody's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { xml } from '@xmpp/client';
import { connectPeer } from '../../test/helpers/peer.js';
import type { ProsodyServer } from '../../test/helpers/prosody.js';
import type { ModuleSet } from './types.js';

export interface ModuleCheck {
  mam: boolean;
  smacks: boolean;
  carbons: boolean;
}

export async function checkModules(prosody: ProsodyServer, set: ModuleSet): Promise<ModuleCheck> {
  const user = prosody.users[0]!;
  const peer = await connectPeer(prosody, user, { resource: 'check' });
  const features = async (to: string) => {
    const info = await peer.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })),
    );
    return (
      info
        .getChild('query')
        ?.getChildren('feature')
        .map((f) => f.attrs.var as string) ?? []
    );
  };
  let check: ModuleCheck;
  try {
    const server = await features(prosody.domain);
    const account = await features(user.jid);
    // mod_smacks only shows as a stream feature: read it from the generated configuration instead.
    const config = readFileSync(path.join(prosody.dataDir, 'prosody.cfg.lua'), 'utf8');
    const enabled = /modules_enabled = \{([\s\S]*?)\}/.exec(config)?.[1] ?? '';
    check = {
      mam: account.includes('urn:xmpp:mam:2'),
      carbons: server.includes('urn:xmpp:carbons:2'),
      smacks: /"smacks"/.test(enabled),
    };
  } finally {
    await peer.stop();
  }
  const want = set === 'full';
  if (check.mam !== want || check.carbons !== want || check.smacks !== want) {
    throw new Error(`the ${set} Prosody runs mam=${check.mam} smacks=${check.smacks} carbons=${check.carbons}`);
  }
  return check;
}

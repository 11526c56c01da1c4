// XEP-0115 entity capabilities: the verification string and its SHA-1 hash.
import { createHash } from 'node:crypto';

export interface Identity {
  category: string;
  type: string;
  name?: string;
  lang?: string;
}

export function capsVer(identities: Identity[], features: string[]): string {
  const ids = identities.map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}`).sort();
  const feats = [...new Set(features)].sort();
  const s = [...ids, ...feats].map((x) => `${x}<`).join('');
  return createHash('sha1').update(s, 'utf8').digest('base64');
}

export const GATEWAY_IDENTITY: Identity = { category: 'client', type: 'web', name: 'xmpp-ftw-gateway' };
export const GATEWAY_CAPS_NODE = 'https://github.com/xmpp-ftw/xmpp-ftw-gateway';

// XEP-0066 out-of-band data, parsed from x[jabber:x:oob] or query[jabber:iq:oob] (catalogue §14.1).
import type { Element } from 'ltx';
import { Type } from '@sinclair/typebox';
import { NS } from '../ns.js';

export interface Oob {
  url?: string;
  description?: string;
  stream?: string;
}

export const OobSchema = Type.Object(
  { url: Type.Optional(Type.String()), description: Type.Optional(Type.String()), stream: Type.Optional(Type.String()) },
  { description: 'XEP-0066 out-of-band data' },
);

export function parseOob(parent: Element): Oob | undefined {
  const el = parent.getChild('x', NS.xoob) ?? parent.getChild('query', NS.ioob);
  if (!el) return undefined;
  const out: Oob = {};
  const url = el.getChildText('url');
  const desc = el.getChildText('desc');
  if (url !== null) out.url = url;
  if (desc !== null) out.description = desc;
  if (el.attrs.sid !== undefined) out.stream = el.attrs.sid;
  return out;
}

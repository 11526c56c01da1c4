// XEP-0066 out-of-band data, parsed from x[jabber:x:oob] or query[jabber:iq:oob].
import type { Element } from 'ltx';
import type { Oob } from '../../schemas/oob.js';
import { NS } from '../ns.js';

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

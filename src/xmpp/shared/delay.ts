// XEP-0203 delayed delivery: { when, from?, reason? } (catalogue §14.2).
import { attr, define, text } from '../kit.js';
import { NS } from '../ns.js';

export interface Delay {
  when: string;
  from?: string;
  reason?: string;
}

export const delay = define<Delay>('delay', NS.delay, { when: attr('stamp'), from: attr('from'), reason: text() });

// XEP-0203 delayed delivery: { when, from?, reason? }.
import type { Static } from '@sinclair/typebox';
import type { DelaySchema } from '../../schemas/common.js';
import { attr, define, text } from '../mapping-kit.js';
import { NS } from '../ns.js';

export type Delay = Static<typeof DelaySchema>;

export const delay = define<Delay>('delay', NS.delay, { when: attr('stamp'), from: attr('from'), reason: text() });

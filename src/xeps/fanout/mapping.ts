// Fanout's channels are XEP-0060 nodes /<realm>/<channel>; requests and notifications are the pubsub
// area's mappings, read here as channels.
import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { bareJid } from '../../xmpp/jid.js';
import { parseNotifications, pubsub, subscribe, unsubscribe, type Notification } from '../xep0060-pubsub/mapping.js';
import type { PushEvent } from './schema.js';

export { pubsub, subscribe, unsubscribe };

/** The node of a channel. */
export const channelNode = (realm: string, channel: string) => `/${realm}/${channel}`;

/** The realm and channel of a node /<realm>/<channel> (in that order: XMPP-FTW swapped them); undefined for any other node. */
export function parseChannelNode(node: string): { realm: string; channel: string } | undefined {
  const m = /^\/([^/]+)\/(.+)$/.exec(node);
  return m ? { realm: m[1]!, channel: m[2]! } : undefined;
}

/** Presence to the service (XMPP-FTW sent it before the first subscribe): Fanout delivers to available resources. */
export const presenceTo = (to: string, id: string): Element => createElement('presence', { to, id });

export type FanoutNotification = { event: 'fanout.fpp.push'; data: Static<typeof PushEvent> } | Notification;

/**
 * The notifications of an event message, item notifications on channel nodes as fanout.fpp.push, the
 * rest (retractions, other nodes) as the pubsub events they are. Undefined when none is a channel item.
 */
export function parseChannelNotifications(message: Element): FanoutNotification[] | undefined {
  let channelItems = 0;
  const out = parseNotifications(message).map((n): FanoutNotification => {
    if (n.event !== 'xmpp.pubsub.push.item') return n;
    const channel = parseChannelNode(n.data.node);
    if (!channel) return n;
    channelItems++;
    const { from: _from, node: _node, ...item } = n.data;
    const { id, ...rest } = item;
    return { event: 'fanout.fpp.push', data: { ...(id !== undefined && { id }), ...channel, ...rest } };
  });
  return channelItems > 0 ? out : undefined;
}

/** Is `from` one of these services (bare JIDs compared, case-insensitively)? */
export const fromOneOf = (from: string | undefined, services: readonly string[]) =>
  from !== undefined && services.some((s) => bareJid(s) === bareJid(from));

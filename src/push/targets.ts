// Where a push subscription's endpoint may point (docs/api.md "Web Push"): PUSH_ALLOWED_HOSTS lists
// `host` (port 443), `host:port` ([v6]:port), `*.domain` (any host under domain, port 443) or `*`. A
// host listed by name is the operator's choice and may be any address, and only it may be reached
// over plain http: (a push service of one's own network). Hosts reached through `*.domain` or `*`
// must be https: and resolve only to public addresses, with the rules every outbound target follows
// (src/outbound/targets.ts).
import { checkOutbound, type OutboundPolicy, type OutboundTarget } from '../outbound/targets.js';

/** A checked endpoint: its URL, and the lookup that keeps its connections on public addresses when it needs one. */
export type PushTarget = OutboundTarget;

const policy = (allowed: readonly string[]): OutboundPolicy => ({
  allowed,
  httpsUnlessListed: true,
  words: {
    url: 'Push endpoint',
    scheme: 'Push endpoint must be https:',
    off: 'Web Push is off on this gateway (PUSH_ALLOWED_HOSTS is empty)',
    target: 'Push service',
    host: 'Push service host',
    listedOnly: 'only hosts listed by name in PUSH_ALLOWED_HOSTS may be',
    setting: 'PUSH_ALLOWED_HOSTS',
  },
});

/** Checks a subscription's endpoint; throws what the client gets (400 malformed, 403 not allowed). */
export function checkPushEndpoint(allowed: readonly string[], raw: string): Promise<PushTarget> {
  return checkOutbound(policy(allowed), raw);
}

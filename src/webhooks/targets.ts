// Where a webhook may POST (docs/api.md "Webhooks"): WEBHOOK_ALLOWED_HOSTS lists `host` (the scheme's
// default port), `host:port` ([v6]:port), or `*`, with the rules every outbound target follows
// (src/outbound/targets.ts). Empty: no webhooks.
import { checkOutbound, type OutboundPolicy, type OutboundTarget, storedTarget } from '../outbound/targets.js';

export { isListed, isPrivateAddress, publicOnlyLookup } from '../outbound/targets.js';

export type WebhookTarget = OutboundTarget;

const policy = (allowed: readonly string[]): OutboundPolicy => ({
  allowed,
  httpsUnlessListed: false,
  words: {
    url: 'Webhook url',
    scheme: 'Webhook url must be http: or https:',
    off: 'Webhooks are off on this gateway (WEBHOOK_ALLOWED_HOSTS is empty)',
    target: 'Webhook target',
    host: 'Webhook host',
    listedOnly: 'only hosts listed in WEBHOOK_ALLOWED_HOSTS may be',
    setting: 'WEBHOOK_ALLOWED_HOSTS',
  },
});

/** Checks a registration's URL; throws the GatewayError the client gets (400 malformed, 403 not allowed). */
export function checkTarget(allowed: readonly string[], raw: string): Promise<WebhookTarget> {
  return checkOutbound(policy(allowed), raw);
}

/** The target of a stored URL on this node: what WEBHOOK_ALLOWED_HOSTS allows here (undefined: not allowed). */
export function targetFor(allowed: readonly string[], raw: string): WebhookTarget | undefined {
  return storedTarget(policy(allowed), raw);
}

// Where a push subscription's endpoint may point (docs/api.md "Web Push"): PUSH_ALLOWED_HOSTS lists
// `host` (port 443), `host:port` ([v6]:port), `*.domain` (any host under domain, port 443) or `*`. A
// host listed by name is the operator's choice and may be any address, and only it may be reached
// over plain http: (a push service of one's own network). Hosts reached through `*.domain` or `*`
// must be https: and resolve only to public addresses, checked at registration and again on every
// connection (DNS rebinding), with the same rules as webhooks.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { errors } from '../errors.js';
import { isListed, isPrivateAddress, publicOnlyLookup, type WebhookTarget } from '../webhooks/targets.js';

/** A checked endpoint: its URL, and the lookup that keeps its connections on public addresses when it needs one. */
export type PushTarget = WebhookTarget;

const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^\[|\]$/g, '');

/** Does a `*.domain` entry cover the URL (any depth below domain, the https port)? */
export function isUnderListedDomain(allowed: readonly string[], url: URL): boolean {
  const host = hostOf(url);
  const port = url.port === '' ? 443 : Number(url.port);
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    if (!e.startsWith('*.')) return false;
    const m = /^\*\.([^:]+)(?::(\d+))?$/.exec(e);
    if (!m) return false;
    return host.endsWith(`.${m[1]}`) && port === (m[2] === undefined ? 443 : Number(m[2]));
  });
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}

/** Checks a subscription's endpoint; throws what the client gets (400 malformed, 403 not allowed). */
export async function checkPushEndpoint(allowed: readonly string[], raw: string): Promise<PushTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw errors.clientError('Push endpoint is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw errors.clientError('Push endpoint must be https:');
  if (url.username !== '' || url.password !== '') throw errors.clientError('Push endpoint must not carry credentials');
  url.hash = '';
  const where = `${url.hostname}:${url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : url.port}`;
  if (allowed.length === 0) throw errors.hostNotAllowed('Web Push is off on this gateway (PUSH_ALLOWED_HOSTS is empty)');
  if (isListed(allowed, url)) return { url };
  if (url.protocol !== 'https:') {
    throw errors.hostNotAllowed(`Push endpoint ${where} is plain http:, allowed only for a host PUSH_ALLOWED_HOSTS lists by name`);
  }
  if (!allowed.includes('*') && !isUnderListedDomain(allowed, url)) {
    throw errors.hostNotAllowed(`Push service ${where} is not allowed by this gateway (PUSH_ALLOWED_HOSTS)`);
  }
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await resolveAll(host)).map((a) => a.address);
    } catch {
      throw errors.clientError(`Push service host ${url.hostname} does not resolve`);
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined) {
    throw errors.hostNotAllowed(
      `Push service ${where} resolves to ${bad}, a loopback, private or reserved address; only hosts listed by name in PUSH_ALLOWED_HOSTS may be`,
    );
  }
  return { url, lookup: publicOnlyLookup };
}

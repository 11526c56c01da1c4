// Where a webhook may POST (docs/api.md "Webhooks"): WEBHOOK_ALLOWED_HOSTS lists `host` (the scheme's
// default port), `host:port` ([v6]:port), or `*`. A listed host is the operator's choice and may be
// any address (an internal receiver); `*` allows any other host only if every address it resolves to
// is public, checked at registration and again on every connection (DNS rebinding). Empty: no webhooks.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { errors } from '../errors.js';

/** Loopback, private, link-local, CGNAT, multicast, reserved and documentation ranges (IPv4-mapped too): never reached through `*`. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  // NAT64 reaches IPv4 hosts through a prefix the IPv4 rules cannot see. (IPv4-mapped ::ffff:a.b.c.d
  // needs no rule: BlockList checks it against the IPv4 rules above.)
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface WebhookTarget {
  url: URL;
  /** Set when the host is reached through `*`: the connection's lookup refuses private addresses. */
  lookup?: LookupFunction;
}

const defaultPort = (url: URL) => (url.protocol === 'https:' ? 443 : 80);
const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^\[|\]$/g, '');

/** Is host:port listed (not through `*`)? Entries: host (the URL's default port), host:port, [v6]:port. */
export function isListed(allowed: readonly string[], url: URL): boolean {
  const host = hostOf(url);
  const port = url.port === '' ? defaultPort(url) : Number(url.port);
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    if (e === '*') return false;
    // A bare IPv6 literal: the whole entry is the host.
    if (!e.startsWith('[') && e.split(':').length > 2) return e === host && port === defaultPort(url);
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(e);
    if (!m) return false;
    return m[1] === host && (m[2] === undefined ? port === defaultPort(url) : Number(m[2]) === port);
  });
}

/** A lookup that fails unless every address of the host is public (for hosts reached through `*`). */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad || addresses.length === 0) {
      const refused = Object.assign(new Error(`${hostname} resolves to ${bad?.address ?? 'nothing'}, not a public address`), {
        code: 'EWEBHOOKPRIVATE',
      });
      return callback(refused, '', 0);
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}

/** Checks a registration's URL; throws the GatewayError the client gets (400 malformed, 403 not allowed). */
export async function checkTarget(allowed: readonly string[], raw: string): Promise<WebhookTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw errors.clientError('Webhook url is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw errors.clientError('Webhook url must be http: or https:');
  if (url.username !== '' || url.password !== '') throw errors.clientError('Webhook url must not carry credentials');
  url.hash = '';
  const where = `${url.hostname}:${url.port === '' ? defaultPort(url) : url.port}`;
  if (allowed.length === 0) throw errors.hostNotAllowed('Webhooks are off on this gateway (WEBHOOK_ALLOWED_HOSTS is empty)');
  if (isListed(allowed, url)) return { url };
  if (!allowed.includes('*')) throw errors.hostNotAllowed(`Webhook target ${where} is not allowed by this gateway (WEBHOOK_ALLOWED_HOSTS)`);
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await resolveAll(host)).map((a) => a.address);
    } catch {
      throw errors.clientError(`Webhook host ${url.hostname} does not resolve`);
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined) {
    throw errors.hostNotAllowed(
      `Webhook target ${where} resolves to ${bad}, a loopback, private or reserved address; only hosts listed in WEBHOOK_ALLOWED_HOSTS may be`,
    );
  }
  return { url, lookup: publicOnlyLookup };
}

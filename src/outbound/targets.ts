// Where the gateway may connect on a client's word (docs/api.md "Webhooks", "Web Push"): one check for
// webhook URLs (WEBHOOK_ALLOWED_HOSTS) and push endpoints (PUSH_ALLOWED_HOSTS). A list holds `host`
// (the scheme's default port), `host:port` ([v6]:port), `*.domain` where the policy allows it, or `*`.
// A host listed by name is the operator's choice and may be any address (an internal receiver); a host
// reached through `*.domain` or `*` must resolve only to public addresses, checked at registration and
// again on every connection (DNS rebinding). An empty list turns the feature off.
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

/** A checked URL, and the lookup that keeps its connections on public addresses when it needs one. */
export interface OutboundTarget {
  url: URL;
  /** Set when the host is reached through `*` or `*.domain`: the connection's lookup refuses private addresses. */
  lookup?: LookupFunction;
}

const defaultPort = (url: URL) => (url.protocol === 'https:' ? 443 : 80);
const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^\[|\]$/g, '');

/** Is host:port listed by name (not through `*`)? Entries: host (the URL's default port), host:port, [v6]:port. */
export function isListed(allowed: readonly string[], url: URL): boolean {
  const host = hostOf(url);
  const port = url.port === '' ? defaultPort(url) : Number(url.port);
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    if (e === '*' || e.startsWith('*.')) return false;
    // A bare IPv6 literal: the whole entry is the host.
    if (!e.startsWith('[') && e.split(':').length > 2) return e === host && port === defaultPort(url);
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(e);
    if (!m) return false;
    return m[1] === host && (m[2] === undefined ? port === defaultPort(url) : Number(m[2]) === port);
  });
}

/** Does a `*.domain` entry cover the URL (any depth below domain, the https port unless given)? */
export function isUnderListedDomain(allowed: readonly string[], url: URL): boolean {
  const host = hostOf(url);
  const port = url.port === '' ? 443 : Number(url.port);
  return allowed.some((entry) => {
    const m = /^\*\.([^:]+)(?::(\d+))?$/.exec(entry.toLowerCase());
    if (!m) return false;
    return host.endsWith(`.${m[1]}`) && port === (m[2] === undefined ? 443 : Number(m[2]));
  });
}

/** A lookup that fails unless every address of the host is public (for hosts reached through `*` or `*.domain`). */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad || addresses.length === 0) {
      // The code predates push endpoints (webhooks had it first); logs and tests match on it.
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

/** What differs between webhooks and push endpoints: the list, which entries it may hold, and the words of the refusals. */
export interface OutboundPolicy {
  allowed: readonly string[];
  /** `*.domain` entries count, and a host not listed by name must be https: (push services, docs/api.md "Web Push"). */
  httpsUnlessListed: boolean;
  words: {
    /** "Webhook url is not a valid absolute URL", "… must not carry credentials". */
    url: string;
    /** The answer to another scheme than http: or https:. */
    scheme: string;
    /** The answer when the list is empty. */
    off: string;
    /** "Webhook target host:port is not allowed …", "… resolves to …". */
    target: string;
    /** "Webhook host name does not resolve". */
    host: string;
    /** Who may be any address: "only hosts listed in WEBHOOK_ALLOWED_HOSTS may be". */
    listedOnly: string;
    /** The setting named in refusals. */
    setting: string;
  };
}

/** Checks a URL a client gave; throws the GatewayError the client gets (400 malformed, 403 not allowed). */
export async function checkOutbound(policy: OutboundPolicy, raw: string): Promise<OutboundTarget> {
  const { allowed, words } = policy;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw errors.clientError(`${words.url} is not a valid absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw errors.clientError(words.scheme);
  if (url.username !== '' || url.password !== '') throw errors.clientError(`${words.url} must not carry credentials`);
  url.hash = '';
  const where = `${url.hostname}:${url.port === '' ? defaultPort(url) : url.port}`;
  if (allowed.length === 0) throw errors.hostNotAllowed(words.off);
  if (isListed(allowed, url)) return { url };
  if (policy.httpsUnlessListed && url.protocol !== 'https:') {
    throw errors.hostNotAllowed(`${words.url} ${where} is plain http:, allowed only for a host ${words.setting} lists by name`);
  }
  const open = allowed.includes('*') || (policy.httpsUnlessListed && isUnderListedDomain(allowed, url));
  if (!open) throw errors.hostNotAllowed(`${words.target} ${where} is not allowed by this gateway (${words.setting})`);
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await resolveAll(host)).map((a) => a.address);
    } catch {
      throw errors.clientError(`${words.host} ${url.hostname} does not resolve`);
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined) {
    throw errors.hostNotAllowed(
      `${words.target} ${where} resolves to ${bad}, a loopback, private or reserved address; ${words.listedOnly}`,
    );
  }
  return { url, lookup: publicOnlyLookup };
}

/**
 * The target of a URL stored earlier (a registration read back from shared state): what the policy
 * allows on this node now, without resolving (the connection's lookup checks); undefined: not allowed.
 */
export function storedTarget(policy: Pick<OutboundPolicy, 'allowed' | 'httpsUnlessListed'>, raw: string): OutboundTarget | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const { allowed } = policy;
  if (isListed(allowed, url)) return { url };
  if (policy.httpsUnlessListed && url.protocol !== 'https:') return undefined;
  if (allowed.includes('*') || (policy.httpsUnlessListed && isUnderListedDomain(allowed, url))) return { url, lookup: publicOnlyLookup };
  return undefined;
}

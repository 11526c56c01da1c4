// JIDs as the XMPP-FTW JSON shape: { user?, domain, resource? }.
export interface Jid {
  user?: string;
  domain: string;
  resource?: string;
}

// RFC 7622 forbids these in the localpart; the domain must look like a hostname or IP literal.
const LOCAL_FORBIDDEN = /["&'/:<>@\s]/;
const DOMAIN_RE = /^(\[[0-9a-fA-F:.]+\]|[^\s@/<>"'&]+)$/;

export function parseJid(input: string): Jid | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > 3071) return undefined;
  let rest = input;
  let resource: string | undefined;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    resource = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (resource.length === 0 || resource.length > 1023) return undefined;
  }
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user.length === 0 || user.length > 1023 || LOCAL_FORBIDDEN.test(user)) return undefined;
  }
  const domain = rest.toLowerCase().replace(/\.$/, '');
  if (domain.length === 0 || domain.length > 1023 || !DOMAIN_RE.test(domain)) return undefined;
  const jid: Jid = { domain };
  if (user !== undefined) jid.user = user;
  if (resource !== undefined) jid.resource = resource;
  // Keep key order user, domain, resource as XMPP-FTW emitted it.
  return user !== undefined ? { user, ...jid } : jid;
}

/** Parses a JID attribute from the wire; unparsable values still yield an object (never throw on remote input). */
export function jidFromWire(value: string | undefined): Jid | undefined {
  if (value === undefined) return undefined;
  return parseJid(value) ?? { domain: value };
}

export function jidToString(jid: Jid): string {
  return `${jid.user !== undefined ? `${jid.user}@` : ''}${jid.domain}${jid.resource !== undefined ? `/${jid.resource}` : ''}`;
}

export function bareJid(value: string): string {
  const slash = value.indexOf('/');
  return (slash === -1 ? value : value.slice(0, slash)).toLowerCase();
}

export function domainOf(value: string): string {
  const bare = bareJid(value);
  const at = bare.lastIndexOf('@');
  return at === -1 ? bare : bare.slice(at + 1);
}

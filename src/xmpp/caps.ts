// XEP-0115 entity capabilities: the verification string (§5.1) and its SHA-1 hash, for the
// gateway's own caps and for checking any disco#info answer against an advertised `ver`.
import { createHash } from 'node:crypto';
import type { Element } from 'ltx';
import { NS } from './ns.js';

export interface Identity {
  category: string;
  type: string;
  name?: string;
  lang?: string;
}

/** An XEP-0128 extended-information form as §5.1 step 6 sees it: FORM_TYPE and each field's values. */
export interface CapsForm {
  formType: string;
  fields: Array<{ var: string; values: string[] }>;
}

// XEP-0115 §5.1 sorts with the "i;octet" collation (RFC 4790): bytes of the UTF-8 encoding, not
// UTF-16 code units as Array.prototype.sort does.
const octet = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function byFields<T>(...keys: Array<(x: T) => string>): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const c = octet(key(a), key(b));
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** The §5.1 verification string S (before hashing). */
export function capsString(identities: readonly Identity[], features: readonly string[], forms: readonly CapsForm[] = []): string {
  // Sorted by category, then type, then xml:lang (field by field: "client-x" must not sort before "client").
  const ids = [...identities]
    .sort(
      byFields(
        (i) => i.category,
        (i) => i.type,
        (i) => i.lang ?? '',
        (i) => i.name ?? '',
      ),
    )
    .map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}<`);
  const feats = [...new Set(features)].sort(octet).map((f) => `${f}<`);
  const xs = [...forms].sort(byFields((f) => f.formType)).map((form) => {
    const fields = [...form.fields].sort(byFields((f) => f.var));
    return `${form.formType}<${fields.map((f) => `${f.var}<${[...f.values].sort(octet).join('<')}${f.values.length ? '<' : ''}`).join('')}`;
  });
  return [...ids, ...feats, ...xs].join('');
}

export function capsVer(identities: readonly Identity[], features: readonly string[], forms: readonly CapsForm[] = []): string {
  return createHash('sha1')
    .update(capsString(identities, features, forms), 'utf8')
    .digest('base64');
}

/** The ver that a disco#info <query/> answer stands for (identities, features and FORM_TYPE forms). */
export function capsVerOfQuery(query: Element): string {
  const identities = query.getChildren('identity', NS.discoInfo).map((i) => ({
    category: i.attrs.category ?? '',
    type: i.attrs.type ?? '',
    ...(i.attrs.name !== undefined && { name: i.attrs.name }),
    ...(i.attrs['xml:lang'] !== undefined && { lang: i.attrs['xml:lang'] }),
  }));
  const features = query.getChildren('feature', NS.discoInfo).map((f) => f.attrs.var ?? '');
  const forms: CapsForm[] = [];
  for (const x of query.getChildren('x', NS.data)) {
    const fields = x.getChildren('field');
    const formType = fields.find((f) => f.attrs.var === 'FORM_TYPE')?.getChildText('value');
    // §5.1 step 6: a form without FORM_TYPE is not part of the hash.
    if (formType === undefined || formType === null) continue;
    forms.push({
      formType,
      fields: fields
        .filter((f) => f.attrs.var !== 'FORM_TYPE')
        .map((f) => ({ var: f.attrs.var ?? '', values: f.getChildren('value').map((v) => v.getText()) })),
    });
  }
  return capsVer(identities, features, forms);
}

export const GATEWAY_IDENTITY: Identity = { category: 'client', type: 'web', name: 'xmpp-ftw-gateway' };
export const GATEWAY_CAPS_NODE = 'https://github.com/xmpp-ftw/xmpp-ftw-gateway';

/** The ver of the gateway's own caps: its identity and every registered area's features. */
export function gatewayCapsVer(features: readonly string[]): string {
  return capsVer([GATEWAY_IDENTITY], features);
}

// XEP-0163 §4 filtered notifications: a session says which PEP nodes it wants with `<node>+notify`
// features in its own caps, so the caps (and their hash) are per session: the gateway's features
// plus the session's interests, kept in the session's state under this key.
const PEP_INTERESTS = 'caps:pep-interests';

interface PepInterests {
  nodes: string[];
}

/** Replaces the PEP nodes the session wants notifications for (pubsub/pep/interests). */
export function setPepInterests(ctx: Pick<XmppContextLike, 'state'>, nodes: readonly string[]): void {
  ctx.state<PepInterests>(PEP_INTERESTS, () => ({ nodes: [] })).nodes = [...new Set(nodes)];
}

/** The features of the session's own caps: every area's, and `<node>+notify` for each PEP interest. */
export function sessionFeatures(ctx: Pick<XmppContextLike, 'state' | 'features'>): string[] {
  const { nodes } = ctx.state<PepInterests>(PEP_INTERESTS, () => ({ nodes: [] }));
  return [...ctx.features, ...nodes.map((n) => `${n}+notify`)];
}

/** What of a session's context the per-session caps need (src/xmpp/context.ts). */
interface XmppContextLike {
  readonly features: readonly string[];
  state<T>(areaId: string, init: () => T): T;
}

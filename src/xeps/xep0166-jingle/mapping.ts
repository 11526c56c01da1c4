// XEP-0166 Jingle with XEP-0167 RTP descriptions and XEP-0176 ICE-UDP transports, in the 2013 JSON
// of XMPP-FTW, declared once for both directions. Written in today's namespaces (XEP-0293
// feedback, XEP-0294 header extensions, XEP-0320 fingerprints, XEP-0338 groups, XEP-0339
// sources); read in those and in the ones the original wrote (see NS.jingleDtlsTmp).
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import { appendChild, at, attr, childAttrs, children, define, type Field, flag, type Mapping } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { REASONS, RTP_INFO, type JingleEvent } from './schema.js';

export type Jingle = Static<typeof JingleEvent>;
type Content = NonNullable<Jingle['contents']>[number];
type Description = NonNullable<Content['description']>;
type Transport = NonNullable<Content['transport']>;
type Payload = NonNullable<Description['payloads']>[number];
type Feedback = NonNullable<Description['feedback']>[number];
type HeaderExtension = NonNullable<Description['headerExtensions']>[number];
type Source = NonNullable<Description['ssrcs']>[number];
type SourceGroup = NonNullable<Description['sourceGroups']>[number];
type Crypto = NonNullable<Description['encryption']>[number];
type Fingerprint = NonNullable<Transport['fingerprints']>[number];
type Candidate = NonNullable<Transport['candidates']>[number];
type Grouping = NonNullable<Jingle['groupings']>[number];
type Reason = NonNullable<Jingle['reason']>;
type Info = NonNullable<Jingle['info']>;

// ---------------------------------------------------------------------------------------------
// Fields this mapping needs beyond the kit's

/** A value every parsed element has (the kind of a mapped description or transport); never written. */
const constant = <T>(value: T): Field<T> => ({ read: () => value, write: () => undefined });
/** A key of the JSON that has no place in the mapped element. */
const none: Field<string> = { read: () => undefined, write: () => undefined };
/** Children in today's namespace, and those in the older one XMPP-FTW wrote (read only). */
const childrenOf = <T extends object>(current: Mapping<T>, ...older: Mapping<T>[]): Field<T[]> => ({
  read: (el) => {
    const list = [current, ...older].flatMap((m) => children(m).read(el) ?? []);
    return list.length > 0 ? list : undefined;
  },
  write: children(current).write,
});
/** A list that reads as empty rather than absent (a group names its contents). */
const always = (field: Field<string[]>): Field<string[]> => ({ read: (el) => field.read(el) ?? [], write: field.write });
/** The element's text, trimmed (fingerprints are often pretty-printed). */
const trimmedText: Field<string> = {
  read: (el) => (el.children.length > 0 ? el.getText().trim() : undefined),
  write: (el, value) => void el.t(value),
};
/** A XEP-0339 <parameter name value/> of a source, by name. */
const sourceParameter = (name: string): Field<string> => ({
  read: (el) => el.getChildren('parameter').find((p) => p.attrs.name === name)?.attrs.value,
  write: (el, value) => void appendChild(el, 'parameter', undefined, { name, value }),
});

// ---------------------------------------------------------------------------------------------
// RTP descriptions (XEP-0167 and its companions)

const rtcpFb = define<Feedback>('rtcp-fb', NS.jingleRtcpFb, { type: attr('type'), subtype: attr('subtype') });

const payloadType = define<Payload>('payload-type', NS.jingleRtp, {
  id: attr('id'),
  name: attr('name'),
  clockrate: attr('clockrate'),
  channels: attr('channels'),
  ptime: attr('ptime'),
  maxptime: attr('maxptime'),
  parameters: children(define<{ key: string; value?: string }>('parameter', NS.jingleRtp, { key: attr('name'), value: attr('value') })),
  feedback: children(rtcpFb),
});

const crypto = define<Crypto>('crypto', NS.jingleRtp, {
  tag: attr('tag'),
  cipherSuite: attr('crypto-suite'),
  keyParams: attr('key-params'),
  sessionParams: attr('session-params'),
});

const hdrextFields = { id: attr('id'), uri: attr('uri'), senders: attr('senders') };
const headerExtension = define<HeaderExtension>('rtp-hdrext', NS.jingleHdrext, hdrextFields);
const headerExtensionRtp = define<HeaderExtension>('rtp-hdrext', NS.jingleRtp, hdrextFields);

const source = define<Source>('source', NS.jingleSsma, {
  ssrc: attr('ssrc'),
  cname: sourceParameter('cname'),
  msid: sourceParameter('msid'),
  mslabel: sourceParameter('mslabel'),
  label: sourceParameter('label'),
});
const estosSsrc = define<Source>('ssrc', NS.estosSsrc, {
  ssrc: attr('ssrc'),
  cname: attr('cname'),
  msid: attr('msid'),
  mslabel: attr('mslabel'),
  label: attr('label'),
});
const sourceGroup = define<SourceGroup>('ssrc-group', NS.jingleSsma, {
  semantics: attr('semantics'),
  sources: always(childAttrs('source', NS.jingleSsma, 'ssrc')),
});

const rtpDescription = define<Description>('description', NS.jingleRtp, {
  descType: constant('rtp'),
  xmlns: none,
  media: attr('media'),
  ssrc: attr('ssrc'),
  payloads: children(payloadType),
  encryption: at([['encryption']], children(crypto)),
  feedback: children(rtcpFb),
  headerExtensions: childrenOf(headerExtension, headerExtensionRtp),
  mux: flag('rtcp-mux'),
  ssrcs: childrenOf(source, estosSsrc),
  sourceGroups: children(sourceGroup),
});

// ---------------------------------------------------------------------------------------------
// ICE-UDP transports (XEP-0176) with DTLS fingerprints (XEP-0320)

const fingerprintFields = { hash: attr('hash'), setup: attr('setup'), value: trimmedText };
const fingerprint = define<Fingerprint>('fingerprint', NS.jingleDtls, fingerprintFields);
const fingerprintTmp = define<Fingerprint>('fingerprint', NS.jingleDtlsTmp, fingerprintFields);

const candidate = define<Candidate>('candidate', NS.jingleIce, {
  foundation: attr('foundation'),
  component: attr('component'),
  protocol: attr('protocol'),
  priority: attr('priority'),
  ip: attr('ip'),
  port: attr('port'),
  type: attr('type'),
  generation: attr('generation'),
  network: attr('network'),
  id: attr('id'),
  relAddr: attr('rel-addr'),
  relPort: attr('rel-port'),
});

const iceUdp = define<Transport>('transport', NS.jingleIce, {
  transType: constant('iceUdp'),
  xmlns: none,
  ufrag: attr('ufrag'),
  pwd: attr('pwd'),
  fingerprints: childrenOf(fingerprint, fingerprintTmp),
  candidates: children(candidate),
});

/**
 * An application or transport child: the mapped kind parsed, any other kind reported by its
 * namespace only (the 2013 JSON knows RTP and ICE-UDP). Requests can only describe the mapped kind.
 */
const mappedOrNamed = <T extends { xmlns?: string }>(name: string, mapping: Mapping<T>): Field<T> => ({
  read: (el) => {
    const c = el.getChild(name);
    if (!c) return undefined;
    const ns = c.getNS();
    // Only its namespace is known of an unmapped kind.
    return ns === mapping.ns ? mapping.parse(c) : ({ ...(ns !== undefined && { xmlns: ns }) } as T);
  },
  write: (el, value) => void el.cnode(mapping.build(value)),
});

// ---------------------------------------------------------------------------------------------
// Contents, groups, reasons, session info, the jingle element

const content = define<Content>('content', NS.jingle, {
  name: attr('name'),
  creator: attr('creator'),
  senders: attr('senders'),
  disposition: attr('disposition'),
  description: mappedOrNamed('description', rtpDescription),
  transport: mappedOrNamed('transport', iceUdp),
});

const group = define<Grouping>('group', NS.jingleGrouping, {
  type: attr('semantics'),
  contents: always(childAttrs('content', NS.jingleGrouping, 'name')),
});
const groupRfc5888 = define<Grouping>('group', NS.rfc5888, {
  type: attr('type'),
  contents: always(childAttrs('content', NS.rfc5888, 'name')),
});

/** reason › CONDITION (› sid for alternative-session) + text (XEP-0166 §7.4). */
const reasonField: Field<Reason> = {
  read: (el) => {
    const reason = el.getChild('reason', NS.jingle);
    const condition = reason?.getChildElements().find((c) => (REASONS as readonly string[]).includes(c.name));
    if (!reason || !condition) return undefined;
    const text = reason.getChildText('text');
    const sid = condition.getChildText('sid');
    return { condition: condition.name, ...(text !== null && { text }), ...(sid !== null && { sid }) };
  },
  write: (el, value) => {
    const reason = appendChild(el, 'reason', NS.jingle);
    const condition = appendChild(reason, value.condition);
    if (value.sid !== undefined) appendChild(condition, 'sid').t(value.sid);
    if (value.text !== undefined) appendChild(reason, 'text').t(value.text);
  },
};

/** session-info's RTP payload (XEP-0167 informational messages): ringing, hold, mute (of a content)… */
const infoField: Field<Info> = {
  read: (el) => {
    const info = el.getChildElements().find((c) => c.getNS() === NS.jingleRtpInfo && (RTP_INFO as readonly string[]).includes(c.name));
    if (!info) return undefined;
    const { creator, name } = info.attrs;
    return { type: info.name, ...(creator !== undefined && { creator }), ...(name !== undefined && { name }) };
  },
  write: (el, value) => {
    const attrs: Record<string, string> = {};
    if (value.creator !== undefined) attrs.creator = value.creator;
    if (value.name !== undefined) attrs.name = value.name;
    appendChild(el, value.type, NS.jingleRtpInfo, attrs);
  },
};

export const jingle = define<Jingle>('jingle', NS.jingle, {
  sid: attr('sid'),
  action: attr('action'),
  initiator: attr('initiator'),
  responder: attr('responder'),
  contents: children(content),
  groupings: childrenOf(group, groupRfc5888),
  reason: reasonField,
  info: infoField,
});

/** The jingle element of a request, or undefined when it lacks what XEP-0166 §7.1 requires (sid, action). */
export function parseJingle(iq: Element): Jingle | undefined {
  const el = iq.getChild('jingle', NS.jingle);
  if (!el?.attrs.sid || !el.attrs.action) return undefined;
  return jingle.parse(el);
}

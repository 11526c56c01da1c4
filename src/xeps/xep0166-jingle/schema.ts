// The 2013 Jingle JSON of XMPP-FTW (sdp-jingle-json's shapes): RTP descriptions (XEP-0167) with
// payload types, parameters, encryption, feedback (XEP-0293), header extensions (XEP-0294) and
// sources (XEP-0339); ICE-UDP transports (XEP-0176) with candidates and DTLS fingerprints
// (XEP-0320); groupings (XEP-0338); plus what the original left out: initiator, responder,
// reason and RTP session info. The same shapes are declared twice: strictly for requests (unknown
// keys refused, lengths bounded, values from the XEPs' lists), leniently for events (whatever a
// peer sent).
import { type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { Body, JidString, StringEnum } from '../../schemas/common.js';
import { NS } from '../../xmpp/ns.js';

/** XEP-0166 §7.2 actions. */
export const JINGLE_ACTIONS = [
  'content-accept',
  'content-add',
  'content-modify',
  'content-reject',
  'content-remove',
  'description-info',
  'security-info',
  'session-accept',
  'session-info',
  'session-initiate',
  'session-terminate',
  'transport-accept',
  'transport-info',
  'transport-reject',
  'transport-replace',
] as const;

/** XEP-0166 §7.4 reason conditions. */
export const REASONS = [
  'alternative-session',
  'busy',
  'cancel',
  'connectivity-error',
  'decline',
  'expired',
  'failed-application',
  'failed-transport',
  'general-error',
  'gone',
  'incompatible-parameters',
  'media-error',
  'security-error',
  'success',
  'timeout',
  'unsupported-applications',
  'unsupported-transports',
] as const;

/** XEP-0166 §8 Jingle error conditions (urn:xmpp:jingle:errors:1). */
export const JINGLE_ERRORS = ['out-of-order', 'tie-break', 'unknown-session', 'unsupported-info'] as const;

/** XEP-0167 informational messages (urn:xmpp:jingle:apps:rtp:info:1). */
export const RTP_INFO = ['active', 'hold', 'unhold', 'mute', 'unmute', 'ringing'] as const;

/** RFC 6120 §8.3.3 defined conditions. */
export const STANZA_CONDITIONS = [
  'bad-request',
  'conflict',
  'feature-not-implemented',
  'forbidden',
  'gone',
  'internal-server-error',
  'item-not-found',
  'jid-malformed',
  'not-acceptable',
  'not-allowed',
  'not-authorized',
  'policy-violation',
  'recipient-unavailable',
  'redirect',
  'registration-required',
  'remote-server-not-found',
  'remote-server-timeout',
  'resource-constraint',
  'service-unavailable',
  'subscription-required',
  'undefined-condition',
  'unexpected-request',
] as const;

const CREATORS = ['initiator', 'responder'] as const;
const SENDERS = ['both', 'initiator', 'none', 'responder'] as const;

/** The Jingle shapes, strict (requests) or lenient (events); both have the same static type. */
function jingleShapes(strict: boolean) {
  const str = (description: string, values?: readonly string[]) =>
    Type.String({ ...(strict && { maxLength: 1024 }), ...(strict && values && { enum: [...values] }), description });
  const jid = (description: string) => (strict ? JidString(description) : Type.String({ description }));
  const obj = <T extends TProperties>(properties: T, description: string) =>
    Type.Object(properties, { ...(strict && { additionalProperties: false }), description });
  const list = <T extends TSchema>(item: T, description: string) => Type.Array(item, { ...(strict && { maxItems: 256 }), description });
  const opt = Type.Optional;

  const feedback = list(
    obj({ type: str('nack, ccm, goog-remb, transport-cc, …'), subtype: opt(str('pli, fir, …')) }, 'XEP-0293 rtcp-fb'),
    'RTCP feedback (XEP-0293)',
  );
  const payload = obj(
    {
      id: str('RTP payload type number'),
      name: opt(str('Codec name (opus, VP8, …)')),
      clockrate: opt(str('Sampling frequency in Hz')),
      channels: opt(str('Number of channels (default 1)')),
      ptime: opt(str('Packet time in ms')),
      maxptime: opt(str('Largest packet time in ms')),
      parameters: opt(
        list(obj({ key: str('Parameter name'), value: opt(str('Parameter value')) }, 'A format parameter'), 'Format parameters'),
      ),
      feedback: opt(feedback),
    },
    'A payload type (XEP-0167)',
  );
  const description = obj(
    {
      descType: opt(str('`rtp`; absent for an application the gateway does not map (see xmlns)', ['rtp'])),
      xmlns: opt(str('Events: the namespace of a description that is not RTP (then the only key); requests: RTP’s only', [NS.jingleRtp])),
      media: opt(str('audio or video')),
      ssrc: opt(str('The SSRC of the stream')),
      mux: opt(Type.Boolean({ description: 'rtcp-mux: RTP and RTCP on one port' })),
      payloads: opt(list(payload, 'Payload types, in order of preference')),
      encryption: opt(
        list(
          obj(
            {
              tag: opt(str('The crypto tag')),
              cipherSuite: opt(str('crypto-suite')),
              keyParams: opt(str('key-params')),
              sessionParams: opt(str('session-params')),
            },
            'An SRTP crypto line (XEP-0167)',
          ),
          'SRTP keying (XEP-0167)',
        ),
      ),
      feedback: opt(feedback),
      headerExtensions: opt(
        list(
          obj({ id: str('Extension id'), uri: str('Extension URI'), senders: opt(str('Who sends it', SENDERS)) }, 'XEP-0294 rtp-hdrext'),
          'RTP header extensions (XEP-0294)',
        ),
      ),
      ssrcs: opt(
        list(
          obj(
            {
              ssrc: str('The SSRC'),
              cname: opt(str('CNAME')),
              msid: opt(str('WebRTC MediaStream id')),
              mslabel: opt(str('MediaStream label')),
              label: opt(str('Track label')),
            },
            'A source (XEP-0339)',
          ),
          'Sources (XEP-0339; the estos ssrc element is read too)',
        ),
      ),
      sourceGroups: opt(
        list(
          obj({ semantics: str('FID, SIM, …'), sources: list(str('An SSRC'), 'The SSRCs of the group') }, 'A source group (XEP-0339)'),
          'Source groups (XEP-0339)',
        ),
      ),
    },
    'An application description: RTP (XEP-0167)',
  );
  const transport = obj(
    {
      transType: opt(str('`iceUdp`; absent for a transport the gateway does not map (see xmlns)', ['iceUdp'])),
      xmlns: opt(
        str('Events: the namespace of a transport that is not ICE-UDP (then the only key); requests: ICE-UDP’s only', [NS.jingleIce]),
      ),
      ufrag: opt(str('ICE username fragment')),
      pwd: opt(str('ICE password')),
      fingerprints: opt(
        list(
          obj(
            { hash: str('sha-256, …'), setup: opt(str('DTLS role', ['actpass', 'active', 'passive'])), value: str('The fingerprint') },
            'A DTLS fingerprint (XEP-0320)',
          ),
          'DTLS-SRTP fingerprints (XEP-0320)',
        ),
      ),
      candidates: opt(
        list(
          obj(
            {
              foundation: opt(str('foundation')),
              component: opt(str('component (1 RTP, 2 RTCP)')),
              protocol: opt(str('udp')),
              priority: opt(str('priority')),
              ip: opt(str('address')),
              port: opt(str('port')),
              type: opt(str('host, prflx, relay, srflx', ['host', 'prflx', 'relay', 'srflx'])),
              generation: opt(str('generation')),
              network: opt(str('network')),
              id: opt(str('id')),
              relAddr: opt(str('rel-addr (srflx, relay)')),
              relPort: opt(str('rel-port (srflx, relay)')),
            },
            'An ICE candidate (XEP-0176)',
          ),
          'ICE candidates',
        ),
      ),
    },
    'A transport: ICE-UDP (XEP-0176)',
  );
  const content = obj(
    {
      name: opt(str('The content’s name (unique within the session)')),
      creator: opt(str('Who created the content', CREATORS)),
      senders: opt(str('Who sends media', SENDERS)),
      disposition: opt(str('How the content is handled (default session)')),
      description: opt(description),
      transport: opt(transport),
    },
    'A content (XEP-0166 §7.3)',
  );
  const jingle = obj(
    {
      sid: Type.String({ ...(strict && { minLength: 1, maxLength: 1024 }), description: 'The session id' }),
      action: str('The Jingle action (XEP-0166 §7.2)', JINGLE_ACTIONS),
      initiator: opt(jid('The initiator’s full JID (session-initiate)')),
      responder: opt(jid('The responder’s full JID (session-accept)')),
      contents: opt(list(content, 'The contents')),
      groupings: opt(
        list(
          obj({ type: str('BUNDLE, LS, …'), contents: list(str('A content name'), 'The contents grouped') }, 'A content group (XEP-0338)'),
          'Content groups (XEP-0338)',
        ),
      ),
      reason: opt(
        obj(
          {
            condition: str('Why (XEP-0166 §7.4)', REASONS),
            text: opt(str('Human-readable text')),
            sid: opt(str('The session that replaces this one (alternative-session)')),
          },
          'Why the session ends or a content is refused (XEP-0166 §7.4)',
        ),
      ),
      info: opt(
        obj(
          {
            type: str('The RTP informational message (XEP-0167)', RTP_INFO),
            creator: opt(str('Of the content (mute, unmute)', CREATORS)),
            name: opt(str('The content’s name (mute, unmute)')),
          },
          'session-info payload: ringing, hold, mute… (XEP-0167)',
        ),
      ),
    },
    'A Jingle element (XEP-0166)',
  );
  return { jingle };
}

export const JingleIn = jingleShapes(true).jingle;
export const JingleEvent = jingleShapes(false).jingle;

export const JingleRequestBody = Body(
  {
    to: JidString('The peer (a full JID), or for an answer the requester'),
    type: Type.Optional(
      StringEnum(['set', 'result', 'error'] as const, {
        description: 'set (default): send an action; result: acknowledge the request `id`; error: reject it',
      }),
    ),
    id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'The id of the incoming request answered (result, error)' }),
    ),
    jingle: Type.Optional(JingleIn),
    error: Type.Optional(
      Type.Object(
        {
          type: Type.Optional(StringEnum(['cancel', 'continue', 'modify', 'auth', 'wait'] as const, { description: 'Default cancel' })),
          condition: StringEnum(STANZA_CONDITIONS, { description: 'The stanza error condition (RFC 6120 §8.3.3)' }),
          jingleCondition: Type.Optional(StringEnum(JINGLE_ERRORS, { description: 'The Jingle condition (XEP-0166 §8)' })),
          text: Type.Optional(Type.String({ maxLength: 1024, description: 'Human-readable text' })),
        },
        { additionalProperties: false, description: 'Rejects the request `id` (any `error` means mode C)' },
      ),
    ),
  },
  {
    examples: [
      {
        to: 'bob@example.org/phone',
        type: 'set',
        jingle: { sid: 's1', action: 'session-terminate', reason: { condition: 'success' } },
      },
      { to: 'bob@example.org/phone', id: 'j1', type: 'result' },
      { to: 'bob@example.org/phone', id: 'j1', type: 'error', error: { condition: 'item-not-found', jingleCondition: 'unknown-session' } },
    ],
  },
);

export const JingleRequestEvent = Type.Object(
  {
    from: Type.String({ description: 'The requester’s full JID (a string, as in XMPP-FTW)' }),
    type: Type.String({ description: 'The IQ type (set)' }),
    id: Type.String({ description: 'The IQ id: answer with jingle/request { to: from, id, type: result | error }' }),
    jingle: JingleEvent,
  },
  { description: 'A Jingle request to this session (XEP-0166)' },
);

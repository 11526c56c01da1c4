// XEP-0054 vCards: the JSON shape of a vCard (one documented subset of vcard-temp, the rest kept as
// XML text under `raw`), of the requests, and of the presence avatar hash (XEP-0153).
import { Type } from '@sinclair/typebox';
import { Body, JidString, StringEnum } from '../../schemas/common.js';

/** Most entries of one repeated kind (EMAIL, TEL, ADR) a vCard carries in JSON. */
export const MAX_ENTRIES = 16;
/** Largest `raw` XML text, in characters. */
export const MAX_RAW = 65536;

const Text = (description: string, maxLength = 1024) => Type.Optional(Type.String({ maxLength, description }));

/** The type flags of XEP-0054's EMAIL, TEL and ADR (empty elements such as <HOME/>), lower-case. */
export const EMAIL_TYPES = ['home', 'work', 'internet', 'pref', 'x400'] as const;
export const TEL_TYPES = ['home', 'work', 'voice', 'fax', 'pager', 'msg', 'cell', 'video', 'bbs', 'modem', 'isdn', 'pcs', 'pref'] as const;
export const ADR_TYPES = ['home', 'work', 'postal', 'parcel', 'dom', 'intl', 'pref'] as const;

const Types = <T extends readonly string[]>(values: T, what: string) =>
  Type.Optional(
    Type.Array(StringEnum(values), {
      maxItems: values.length,
      uniqueItems: true,
      description: `Type flags of the ${what} (empty elements)`,
    }),
  );

const Email = Type.Object(
  { userid: Type.String({ maxLength: 1024, description: 'The address (USERID)' }), types: Types(EMAIL_TYPES, 'address') },
  { additionalProperties: false, description: 'An EMAIL' },
);
const Tel = Type.Object(
  { number: Type.String({ maxLength: 256, description: 'The number (NUMBER)' }), types: Types(TEL_TYPES, 'number') },
  { additionalProperties: false, description: 'A TEL' },
);
const Adr = Type.Object(
  {
    types: Types(ADR_TYPES, 'address'),
    pobox: Text('POBOX'),
    extadd: Text('EXTADD (extended address)'),
    street: Text('STREET'),
    locality: Text('LOCALITY (city)'),
    region: Text('REGION'),
    pcode: Text('PCODE (postal code)'),
    ctry: Text('CTRY (country)'),
  },
  { additionalProperties: false, description: 'An ADR (postal address)' },
);

const Photo = Type.Object(
  {
    type: Text('The MIME type (TYPE), e.g. image/png', 255),
    binval: Type.Optional(
      Type.String({
        description:
          'The image, base64 (BINVAL; RFC 4648 §4, padded, no whitespace). At most AVATAR_MAX_BYTES decoded bytes. Read: the whitespace the publisher wrapped it in is removed',
      }),
    ),
    extval: Text('A URL of the image (EXTVAL), instead of binval', 4096),
  },
  { additionalProperties: false, description: 'PHOTO: binval or extval' },
);

const vcardFields = {
  fn: Text('Formatted name (FN)'),
  n: Type.Optional(
    Type.Object(
      { family: Text('FAMILY'), given: Text('GIVEN'), middle: Text('MIDDLE'), prefix: Text('PREFIX'), suffix: Text('SUFFIX') },
      { additionalProperties: false, description: 'Structured name (N)' },
    ),
  ),
  nickname: Text('NICKNAME'),
  url: Text('URL', 4096),
  bday: Text('Birthday (BDAY), ISO 8601 date', 64),
  email: Type.Optional(Type.Array(Email, { maxItems: MAX_ENTRIES })),
  tel: Type.Optional(Type.Array(Tel, { maxItems: MAX_ENTRIES })),
  adr: Type.Optional(Type.Array(Adr, { maxItems: MAX_ENTRIES })),
  jabberid: Text('JABBERID', 3071),
  org: Type.Optional(
    Type.Object({ name: Text('ORGNAME'), unit: Text('ORGUNIT') }, { additionalProperties: false, description: 'Organisation (ORG)' }),
  ),
  title: Text('TITLE'),
  role: Text('ROLE'),
  desc: Text('Free text (DESC)', 8192),
  photo: Type.Optional(Photo),
  raw: Text(
    'Every other element of the vCard, as XML text (namespaces written out), kept losslessly: unknown elements, repeated ones, and known ones holding something this shape does not (docs/vcard.md)',
    MAX_RAW,
  ),
};

export const SetBody = Body(vcardFields, {
  description: 'Your vCard; keys left out are not in it (the server replaces the whole vCard, XEP-0054 §3.2); `{}` empties it',
  examples: [
    {
      fn: 'Juliet Capulet',
      n: { family: 'Capulet', given: 'Juliet' },
      nickname: 'Jule',
      email: [{ userid: 'juliet@example.org', types: ['internet', 'pref'] }],
      photo: { type: 'image/png', binval: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVQIHWP4DwABAQEANl9ngAAAAABJRU5ErkJggg==' },
    },
  ],
});
export const SetMessages = {
  'type:photo': "'photo' must be an object",
  'type:email': "'email' must be an array",
  'type:tel': "'tel' must be an array",
  'type:adr': "'adr' must be an array",
};

export const Vcard = Type.Object(vcardFields, {
  description: 'A vCard (XEP-0054): the documented keys, the rest under `raw` (docs/vcard.md)',
  examples: [
    {
      fn: 'Juliet Capulet',
      n: { family: 'Capulet', given: 'Juliet' },
      nickname: 'Jule',
      url: 'https://example.org/juliet',
      email: [{ userid: 'juliet@example.org', types: ['internet', 'pref'] }],
      jabberid: 'juliet@example.org',
      org: { name: 'House of Capulet' },
    },
  ],
});

export const GetBody = Body(
  { of: Type.Optional(JidString('Whose vCard: a bare JID (default: your own)')) },
  { examples: [{}, { of: 'juliet@example.org' }] },
);

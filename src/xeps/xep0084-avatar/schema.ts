// XEP-0084 user avatars: the JSON shapes of the actions and of the metadata notification.
import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';

/** Most <info/> elements one metadata item carries besides the main one (`additional`). */
export const MAX_ADDITIONAL = 16;

const AvatarId = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description });
const Bytes = () => Type.Integer({ minimum: 0, maximum: 2147483647, description: 'The image size in bytes' });
const Mime = () => Type.String({ minLength: 1, maxLength: 255, description: 'The MIME type, e.g. image/png' });
const Pixels = (what: string) => Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: `The image ${what} in pixels` }));
const Url = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description });

export const UploadBody = Body(
  {
    // No minLength: an empty image is XMPP-FTW's `Missing 'content' key`, which the worker answers.
    content: Type.String({
      description: 'The image, base64-encoded (RFC 4648 §4, padded, no whitespace); image/png is the type every client supports (XEP-0084)',
    }),
    id: Type.Optional(AvatarId('The avatar id (default: the SHA-1 of the decoded image, hex, as XEP-0084 §4.1 requires)')),
  },
  { examples: [{ content: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVQIHWP4DwABAQEANl9ngAAAAABJRU5ErkJggg==' }] },
);
export const UploadMessages = {
  'type:content': 'Image content should be a string',
  'type:id': 'Avatar id should be a string',
};

export const UploadResult = Type.Object(
  { id: Type.String({ description: 'The avatar id: the item id of the data and the id to publish in the metadata' }) },
  { description: 'The published image' },
);

const Additional = Type.Object(
  {
    id: AvatarId('The id of this version (the SHA-1 of its bytes)'),
    url: Url('Where this version can be fetched (an http: or https: URL, XEP-0084 §4.2)'),
    bytes: Bytes(),
    type: Mime(),
    width: Pixels('width'),
    height: Pixels('height'),
  },
  { additionalProperties: false, description: 'Another format or location of the same avatar (one more <info/>)' },
);

export const MetadataBody = Type.Object(
  {
    bytes: Type.Optional({ ...Bytes(), description: 'The image size in bytes (required unless `disable`)' }),
    id: Type.Optional(AvatarId('The avatar id: the SHA-1 of the image bytes, as avatar/upload answered (required unless `disable`)')),
    type: Type.Optional({ ...Mime(), description: 'The MIME type, e.g. image/png (required unless `disable`)' }),
    width: Pixels('width'),
    height: Pixels('height'),
    url: Type.Optional(Url('Where the image can be fetched instead of from the data node (XEP-0084 §4.2)')),
    additional: Type.Optional(Type.Array(Additional, { maxItems: MAX_ADDITIONAL, description: 'Other formats or locations' })),
    disable: Type.Optional(
      Type.Boolean({ description: 'true: publish empty metadata (XEP-0084 §4.5, avatar switched off); the other keys are then ignored' }),
    ),
  },
  {
    // `{}` is never valid (bytes/id/type, or disable): the body may not be left out (docs/api.md §7).
    minProperties: 1,
    additionalProperties: false,
    // bytes, id and type are required unless disable is true (XMPP-FTW's rule): the worker checks them,
    // in that order, before anything is sent. (A JSON Schema if/else would do it too, but its error would
    // then come before an unknown key's, and the schema would no longer say which keys a body needs.)
    examples: [
      { bytes: 12345, id: '111f4b3c50d7b0df729d299bc6f8e9ef9066971f', type: 'image/png', width: 64, height: 64 },
      { disable: true },
    ],
  },
);

const additionalMessages = (): Record<string, string> => {
  const out: Record<string, string> = {};
  for (let i = 0; i < MAX_ADDITIONAL; i++) {
    for (const key of ['id', 'url', 'bytes', 'type']) out[`required:additional.${i}.${key}`] = `Missing '${key}' key in additional`;
  }
  return out;
};
export const MetadataMessages = {
  'type:additional': 'Additional must be an array',
  // XMPP-FTW checked `bytes` first.
  'minProperties:': "Missing 'bytes' key",
  ...additionalMessages(),
};

export const DataBody = Body(
  {
    of: JidString('Whose avatar: a contact’s bare JID (or your own)'),
    id: AvatarId('The avatar id, from the metadata (xmpp.avatar.push.metadata)'),
  },
  { examples: [{ of: 'juliet@example.org', id: '111f4b3c50d7b0df729d299bc6f8e9ef9066971f' }] },
);

export const DataResult = Type.Object(
  { content: Type.String({ description: 'The image, base64-encoded, as published' }) },
  { description: 'The avatar image' },
);

export const OfBody = Body(
  { of: JidString('The contact whose avatar metadata you want (their bare JID: their PEP service)') },
  { examples: [{ of: 'juliet@example.org' }] },
);

// ---------------------------------------------------------------------------------------------
// Events

const Info = Type.Object(
  {
    id: Type.String({ description: 'The avatar id (SHA-1 of the image bytes)' }),
    bytes: Type.Optional(Type.String({ description: 'The size in bytes, as the publisher wrote it' })),
    type: Type.Optional(Type.String({ description: 'The MIME type' })),
    width: Type.Optional(Type.String({ description: 'The width in pixels, as written' })),
    height: Type.Optional(Type.String({ description: 'The height in pixels, as written' })),
    url: Type.Optional(Type.String({ description: 'Where this version can be fetched (else: avatar/data)' })),
  },
  { description: 'One <info/> of the metadata (XEP-0084 §4.2); values are strings, as XMPP-FTW sent them' },
);

// One object (not a union) so that the event reference lists every field: exactly one of
// `avatars` and `disabled` is present.
export const PushMetadataEvent = Type.Object(
  {
    from: JidObject,
    avatars: Type.Optional(Type.Array(Info, { description: 'The metadata’s <info/> elements: one avatar in its formats and locations' })),
    disabled: Type.Optional(Type.Literal(true, { description: 'The contact switched their avatar off (empty metadata, XEP-0084 §4.5)' })),
  },
  {
    description: 'A contact’s avatar metadata (XEP-0084 §4.3), from their PEP node urn:xmpp:avatar:metadata: `avatars`, or `disabled`',
  },
);

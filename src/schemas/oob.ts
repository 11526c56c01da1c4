// XEP-0066 out-of-band data: { url?, description?, stream? }.
import { Type, type Static } from '@sinclair/typebox';

export const OobSchema = Type.Object(
  { url: Type.Optional(Type.String()), description: Type.Optional(Type.String()), stream: Type.Optional(Type.String()) },
  { description: 'XEP-0066 out-of-band data' },
);
export type Oob = Static<typeof OobSchema>;

/**
 * What a sent message may carry as XEP-0066 §3 x[jabber:x:oob]: a URL (e.g. upload/slot's `get`) and
 * its description. Only absolute http(s) URLs: what clients fetch and show inline.
 */
export const OobBody = Type.Object(
  {
    url: Type.String({
      minLength: 8,
      maxLength: 4096,
      pattern: '^[hH][tT][tT][pP][sS]?://[^\\s]+$',
      description: 'http(s) URL of the file',
    }),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'Sent as <desc/>' })),
  },
  {
    additionalProperties: false,
    description:
      'Gateway addition: XEP-0066 out-of-band data (a link to a file, e.g. the `get` URL of upload/slot); without `content` the URL is also the body, as clients expect',
  },
);
export type OobOut = Static<typeof OobBody>;

// XEP-0059 Result Set Management: the request key `rsm` and the page in responses.
import { type Static, type TSchema, Type } from '@sinclair/typebox';

export const RsmRequestSchema = Type.Object(
  {
    max: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    after: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Boolean()], { description: 'true: the first page' })),
    before: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Boolean()], { description: 'true: the last page' })),
    index: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, description: 'XEP-0059 paging request' },
);
export type RsmRequest = Static<typeof RsmRequestSchema>;

export const RsmPageSchema = Type.Object(
  {
    count: Type.Optional(Type.Integer()),
    first: Type.Optional(Type.String()),
    'first-index': Type.Optional(Type.String()),
    last: Type.Optional(Type.String()),
  },
  { description: 'XEP-0059 page of a response' },
);
export type RsmPage = Static<typeof RsmPageSchema>;

/** XMPP-FTW's paged answers: the list, or `{ items, rsm }` when the answer carried a XEP-0059 set. */
export const Paged = <T extends TSchema>(list: T, description: string) =>
  Type.Union([list, Type.Object({ items: list, rsm: RsmPageSchema })], { description });

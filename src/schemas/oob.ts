// XEP-0066 out-of-band data: { url?, description?, stream? }.
import { Type, type Static } from '@sinclair/typebox';

export const OobSchema = Type.Object(
  { url: Type.Optional(Type.String()), description: Type.Optional(Type.String()), stream: Type.Optional(Type.String()) },
  { description: 'XEP-0066 out-of-band data' },
);
export type Oob = Static<typeof OobSchema>;

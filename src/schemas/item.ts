// XEP-0060 item payloads (the item parser): what a client publishes and what the gateway reports.
// Minimal version of the shared interface; the item-parser area defines the payload kinds.
import { type Static, Type } from '@sinclair/typebox';

export const ItemContent = Type.Union([Type.String({ maxLength: 65536 }), Type.Object({}, { additionalProperties: true })], {
  description: 'A string (plain text, published as <body/>) or an object of payload kinds ({ raw: "<xml…/>" }, …)',
});
export const ItemEntry = Type.Object({}, { additionalProperties: true, description: 'The payload of an item, as parsed' });
export type ItemContentT = Static<typeof ItemContent>;
export type ItemEntryT = Static<typeof ItemEntry>;

// The payload of a publish-subscribe item (docs/items.md): what a client publishes and what the gateway reports.
import { Type, type Static } from '@sinclair/typebox';

export const ItemContent = Type.Union([Type.String({ maxLength: 65536 }), Type.Object({}, { additionalProperties: true })]);
export const ItemEntry = Type.Object({}, { additionalProperties: true });

export type ItemContentT = Static<typeof ItemContent>;
export type ItemEntryT = Static<typeof ItemEntry>;

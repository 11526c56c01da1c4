import { Type } from '@sinclair/typebox';

export const CarbonsBody = Type.Object({}, { additionalProperties: false, description: 'No payload', examples: [{}] });

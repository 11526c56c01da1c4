// XEP-0352 client state indication: the actions take nothing and answer nothing but that it was sent.
import { Type } from '@sinclair/typebox';
import { Body } from '../../schemas/common.js';

export const StateBody = Body({}, { examples: [{}] });

export const StateResult = Type.Object(
  { state: Type.Union([Type.Literal('active'), Type.Literal('inactive')], { description: 'The state the server was told' }) },
  { description: 'Sent (the server does not answer a state indication, XEP-0352 §5)' },
);

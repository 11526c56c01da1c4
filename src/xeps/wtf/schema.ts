import { Type } from '@sinclair/typebox';

export const WtfPushEvent = Type.String({
  description: 'The stanza as XML text, exactly as the session received it (with `from` filled in where the server left it out)',
  examples: ["<message from='bot@example.org/x' to='alice@example.org/gw' id='a1'><ping xmlns='urn:example:unknown'/></message>"],
});

import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString, StringEnum } from '../../schemas/common.js';

const Url = Type.String({ minLength: 1, maxLength: 8192, description: 'The HTTP URL that was requested' });
const TransactionId = Type.String({ minLength: 1, maxLength: 1024, description: 'The transaction identifier of the HTTP request' });
const Method = Type.String({ minLength: 1, maxLength: 64, description: 'The HTTP method (GET, POST, …)' });

// Declared in XMPP-FTW's order of checks: type, id, to, then the request's url, id, method.
export const HttpAnswerBody = Body(
  {
    type: Type.String({
      maxLength: 16,
      description: '`iq` or `message` (case-insensitive): the `type` of the xmpp.http.verify event',
    }),
    id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'Required for `iq`: the `id` of the event. For `message`: the thread, mirrored when given',
      }),
    ),
    to: JidString('The requesting service: the `from` of the xmpp.http.verify event'),
    request: Type.Optional(
      Body(
        { url: Url, id: TransactionId, method: Method },
        { description: 'The `request` of the event. Required for `message`; for `iq`, echoed in the answer when given' },
      ),
    ),
  },
  {
    examples: [
      { type: 'iq', id: 'ha000', to: 'files.example.org' },
      {
        type: 'message',
        id: 'e0ffe42b28561960c6b12b944a092794b9683a38',
        to: 'files.example.org',
        request: { url: 'https://files.example.org:9345/missive.html', id: 'a7374jnjlalasdf82', method: 'GET' },
      },
    ],
  },
);

export const HttpAnswerMessages = {
  'required:type': "Missing 'type' parameter",
  'required:to': "Missing 'to' parameter",
  'required:request.url': "Missing request 'url' parameter",
  'required:request.id': "Missing request 'id' parameter",
  'required:request.method': "Missing request 'method' parameter",
  // XMPP-FTW checked `!data.to`, `!data.id`, `!data.request.url`…: an empty string is as missing as an absent key.
  'minLength:to': "Missing 'to' parameter",
  'minLength:id': "Missing 'id' parameter",
  'minLength:request.url': "Missing request 'url' parameter",
  'minLength:request.id': "Missing request 'id' parameter",
  'minLength:request.method': "Missing request 'method' parameter",
};

export const HttpVerifyEvent = Type.Object({
  type: StringEnum(['iq', 'message'] as const, { description: 'How the request came; answer with the same type' }),
  id: Type.Optional(Type.String({ description: 'iq: the stanza id; message: the thread (absent when none)' })),
  from: JidObject,
  description: Type.Optional(Type.String({ description: 'The human-readable body of a message request' })),
  request: Type.Object({ method: Type.String(), id: Type.String(), url: Type.String() }),
});

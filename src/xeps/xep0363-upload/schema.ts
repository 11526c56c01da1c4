// XEP-0363 HTTP File Upload: the JSON shapes of service discovery and of the slot request.
import { Type } from '@sinclair/typebox';
import { Body } from '../../schemas/common.js';

export const ServiceBody = Body({}, { examples: [{}] });

export const ServiceResult = Type.Object(
  {
    jid: Type.String({ description: 'The upload service (a disco#items entry of the own domain with feature urn:xmpp:http:upload:0)' }),
    maxFileSize: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The largest file the service takes, in bytes (its XEP-0128 max-file-size), when it says' }),
    ),
  },
  { description: 'The upload service found (XEP-0363 §3)', examples: [{ jid: 'upload.example.org', maxFileSize: 10485760 }] },
);

export const SlotBody = Body(
  {
    filename: Type.String({ minLength: 1, maxLength: 1024, description: 'The file name (no path), as the GET URL will show it' }),
    size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'The file size in bytes' }),
    contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The MIME type, e.g. image/jpeg' })),
  },
  { examples: [{ filename: 'photo.jpg', size: 23456, contentType: 'image/jpeg' }] },
);
export const SlotMessages = {
  'type:size': 'Size should be an integer number of bytes',
};

/** The PUT headers XEP-0363 §4 allows a service to ask for; any other is dropped. */
export const PUT_HEADERS = ['Authorization', 'Cookie', 'Expires'] as const;

export const SlotResult = Type.Object(
  {
    put: Type.Object(
      {
        url: Type.String({ description: 'Where to PUT the file (HTTPS in production)' }),
        headers: Type.Record(Type.String(), Type.String(), {
          description: 'Headers to send with the PUT: only Authorization, Cookie and Expires are kept (XEP-0363 §4)',
        }),
      },
      { description: 'The upload' },
    ),
    get: Type.String({ description: 'Where the file can be fetched once uploaded: the URL to share' }),
  },
  {
    description: 'An upload slot (XEP-0363 §4)',
    examples: [
      {
        put: {
          url: 'https://upload.example.org/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/photo.jpg',
          headers: { Authorization: 'Basic Base64String==' },
        },
        get: 'https://download.example.org/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/photo.jpg',
      },
    ],
  },
);

export const UploadResult = Type.Object(
  { get: Type.String({ description: 'Where the file can be fetched: the URL to share (e.g. chat/message `oob.url`)' }) },
  { description: 'The file was uploaded' },
);

// POST /v1/upload: a file streamed through the gateway to the session's XEP-0363 upload service.
// The HTTP thread asks the session's owner for a slot (the area's upload.slot action, on the worker),
// checks the PUT URL against UPLOAD_ALLOWED_HOSTS, then pipes the request body to it: the file is never
// held in memory (docs/api.md, "Upload"). Every check that can refuse comes before any byte goes upstream.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { isUploadHostAllowed, uploadHosts, type Config } from '../config.js';
import { errors } from '../errors.js';
import type { SessionManager } from '../session/manager.js';
import { UploadResult } from '../xeps/xep0363-upload/schema.js';
import { authenticate, sessionOf } from './auth.js';
import { routeSchema } from './route-schema.js';

export const UPLOAD_PATH = '/v1/upload';

const UploadQuery = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 1024, description: 'The file name (no path), as the GET URL will show it' }),
    contentType: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'The MIME type sent with the PUT, e.g. image/jpeg' }),
    ),
  },
  { additionalProperties: false },
);

interface Slot {
  put: { url: string; headers: Record<string, string> };
  get: string;
}

/** The Content-Length of the request: a decimal integer, or a 400 (a chunked body has none and is refused). */
function contentLength(request: FastifyRequest): number {
  const raw = request.headers['content-length'];
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) {
    throw errors.clientError('POST /v1/upload needs a Content-Length header (the file size in bytes)');
  }
  return Number(raw);
}

/** The PUT: the slot's headers, the size and the type; the body piped from the client, never buffered. */
function put(request: FastifyRequest, target: URL, slot: Slot, size: number, contentType: string | undefined): Promise<number> {
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const upstream = client.request(target, {
      method: 'PUT',
      headers: { ...slot.put.headers, 'content-length': String(size), ...(contentType !== undefined && { 'content-type': contentType }) },
    });
    upstream.once('response', (res) => {
      res.resume(); // the service's answer body is not needed; drain it
      resolve(res.statusCode ?? 0);
    });
    upstream.once('error', (err) =>
      reject(errors.unreachable(`The upload service at ${target.host} could not be reached: ${err.message}`)),
    );
    pipeline(request.raw, upstream).catch((err: Error) => {
      upstream.destroy();
      reject(errors.clientError(`The upload was interrupted: ${err.message}`));
    });
  });
}

export function uploadRoutes(app: FastifyInstance, config: Config, manager: SessionManager): void {
  const allowed = uploadHosts(config);
  app.register(async (scope) => {
    // Any Content-Type: the body is the file, read by the handler from the request stream itself. The
    // parsed body is an empty string, a stand-in that the body schema (a binary string) accepts.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, ''));
    // A refusal answered before the file was read: close the connection rather than read the rest of it.
    scope.addHook('onSend', async (request, reply) => {
      if (!request.raw.complete) reply.header('connection', 'close');
    });
    scope.post(UPLOAD_PATH, {
      onRequest: authenticate(manager),
      bodyLimit: config.uploadMaxBytes,
      schema: {
        ...routeSchema({
          path: UPLOAD_PATH,
          tag: 'upload',
          summary: 'Upload a file through the gateway to the own server’s HTTP upload service (XEP-0363), answering its GET URL',
          description:
            'The request body is the file, any Content-Type; `Content-Length` is required. The gateway requests a slot ' +
            '(as upload/slot does), then streams the body to the PUT URL without holding it in memory. A file over ' +
            'UPLOAD_MAX_BYTES or the service’s max-file-size is `413` before any byte goes upstream; a PUT URL outside ' +
            'UPLOAD_ALLOWED_HOSTS is `403`, nothing sent. Share the answer’s `get` with chat/message `oob.url`.\n\n' +
            'Beyond XMPP-FTW (a gateway addition). Spec: XEP-0363 1.1.0 §4.',
          success: { status: 200, schema: UploadResult },
          errors: [400, 401, 403, 404, 410, 413, 502, 503, 504],
        }),
        querystring: UploadQuery,
        body: {
          content: {
            'application/octet-stream': {
              schema: { type: 'string', format: 'binary', description: 'The file: any bytes, of any Content-Type' },
            },
          },
        },
      },
      handler: async (request: FastifyRequest<{ Querystring: { filename: string; contentType?: string } }>, reply: FastifyReply) => {
        const size = contentLength(request);
        if (size > config.uploadMaxBytes) {
          throw errors.payloadTooLarge(
            `The file (${size} bytes) is larger than this gateway streams (${config.uploadMaxBytes} bytes, UPLOAD_MAX_BYTES)`,
          );
        }
        const { filename, contentType } = request.query;
        const { data } = await manager.action(sessionOf(request), 'upload.slot', {
          filename,
          size,
          ...(contentType !== undefined && { contentType }),
        });
        const slot = data as Slot; // the upload.slot action's answer, validated by its schema on the worker side
        let target: URL;
        try {
          target = new URL(slot.put.url);
        } catch {
          throw errors.badAnswer(`The upload service gave a PUT URL that does not parse: ${slot.put.url}`);
        }
        if (target.protocol !== 'http:' && target.protocol !== 'https:') {
          throw errors.badAnswer(`The upload service gave a PUT URL that is not http(s): ${target.protocol}`);
        }
        const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
        if (!isUploadHostAllowed(allowed, target.hostname, port)) {
          throw errors.hostNotAllowed(
            `Uploading to ${target.hostname}:${port} is not allowed by this gateway (UPLOAD_ALLOWED_HOSTS); nothing was sent`,
          );
        }
        const status = await put(request, target, slot, size, contentType);
        if (status < 200 || status > 299) throw errors.badAnswer(`The upload service answered the PUT with HTTP ${status}`);
        return reply.send({ get: slot.get });
      },
    });
  });
}

import { defineApi } from '../area.js';
import { ServiceBody, ServiceResult, SlotBody, SlotMessages, SlotResult } from './schema.js';

// Errors of the upload service (XEP-0363 §4.1): not-acceptable 406 (file too large, its own check),
// forbidden 403 (quota, not allowed), resource-constraint 503 (wait).
const SERVICE_ERRORS = [403, 404, 406, 503];

export const api = defineApi({
  id: 'xep0363-upload',
  tag: 'upload',
  spec: 'XEP-0363 1.1.0 (HTTP File Upload: service discovery §3, slot request §4)',
  features: [],
  actions: {
    'upload.service': {
      summary: 'Find the own server’s HTTP upload service (XEP-0363 §3) and its size limit',
      description:
        'disco#items of the own domain, then disco#info of each item: the first with feature urn:xmpp:http:upload:0 is ' +
        'kept for the session (upload/slot and POST /v1/upload use it). `404` when the server has none.',
      body: ServiceBody,
      response: ServiceResult,
      beyondXmppFtw: true,
      errorStatuses: [404],
    },
    'upload.slot': {
      summary: 'Request an upload slot: a PUT URL with its headers and the GET URL to share (XEP-0363 §4)',
      description:
        'Runs discovery first when upload/service has not. A size over the service’s max-file-size is `413` ' +
        '(`maxFileSize` in the body) and nothing is sent. Of the PUT headers only Authorization, Cookie and Expires are ' +
        'kept (§4). To let the gateway do the PUT, use POST /v1/upload instead.',
      body: SlotBody,
      response: SlotResult,
      messages: SlotMessages,
      beyondXmppFtw: true,
      errorStatuses: [404, 413, 502, ...SERVICE_ERRORS],
    },
  },
});

import { errors } from '../../errors.js';
import { iqAction, iqOk } from '../../xmpp/iq-action.js';
import { bareJid } from '../../xmpp/jid.js';
import { defineWorker } from '../area.js';
import { decodeBase64, decodedLength } from '../xep0084-avatar/mapping.js';
import { api } from './api.js';
import { buildVcard, emptyVcard, parseVcard, photoHash, photoProblem } from './mapping.js';
import { vcardState } from './state.js';

export const worker = defineWorker(api, {
  actions: {
    'vcard.get': iqAction({
      type: 'get',
      // §3.1: the own vCard is asked for without a 'to' (the account answers).
      to: (body) => body.of,
      payload: () => emptyVcard(),
      result: (answer, _reply, body, ctx) => {
        // An empty result is an empty vCard (some servers answer so for a user who has none).
        const vcard = answer ? parseVcard(answer) : {};
        const own = body.of === undefined || bareJid(body.of).toLowerCase() === ctx.bareJid.toLowerCase();
        if (own) vcardState(ctx).photoHash = photoHash(vcard);
        return vcard;
      },
    }),
    async 'vcard.set'(ctx, body) {
      const problem = photoProblem(body.photo);
      if (problem !== undefined) throw errors.clientError(problem, body);
      const binval = body.photo?.binval;
      if (binval !== undefined) {
        // The size first, from the length alone: an oversized text is never decoded, and nothing is sent.
        if (decodedLength(binval) > ctx.limits.avatarMaxBytes) {
          throw errors.payloadTooLarge(`Photo is larger than ${ctx.limits.avatarMaxBytes} bytes (AVATAR_MAX_BYTES)`);
        }
        if (!decodeBase64(binval)) {
          throw errors.clientError("'photo.binval' should be base64 (RFC 4648 §4: A-Z a-z 0-9 + /, padded with =, no whitespace)", body);
        }
      }
      // Built (and `raw` checked) before anything is sent.
      const set = iqOk<typeof body>({ type: 'set', payload: (b) => buildVcard(b) });
      const ok = await set(ctx, body);
      vcardState(ctx).photoHash = photoHash(body);
      return ok;
    },
  },
  incoming: [],
});

import { errors } from '../../errors.js';
import { iqAction } from '../../xmpp/iq-action.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { parseSearchFields, parseSearchResults, searchQuery } from './mapping.js';

export const worker = defineWorker(api, {
  actions: {
    'search.get': iqAction({ type: 'get', to: (body) => body.to, payload: () => searchQuery.build({}), result: parseSearchFields }),
    'search.do': iqAction({
      type: 'set',
      to: (body) => body.to,
      payload: (body) => {
        if (body.basic === undefined && body.form === undefined) throw errors.clientError("Missing 'basic' or 'form' key", body);
        // As in XMPP-FTW, basic wins when both are given.
        return searchQuery.build(body.basic !== undefined ? { basic: body.basic } : { form: body.form! });
      },
      result: parseSearchResults,
    }),
  },
});

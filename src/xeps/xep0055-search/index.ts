// XEP-0055 Jabber Search 1.3 (https://xmpp.org/extensions/xep-0055.html): ask a service for its
// search fields or form, search with basic fields or a data form, and read both kinds of results.
// XMPP-FTW: xmpp-ftw-search lib/search.js (catalogue §12).
import { errors } from '../../errors.js';
import { action, type XepModule } from '../types.js';
import { NS_SEARCH, parseSearchFields, parseSearchResults, searchIq } from './mapping.js';
import { SearchDoBody, SearchDoMessages, SearchDoResult, SearchGetBody, SearchGetResult } from './schema.js';

const SEARCH_ERRORS = [403, 404, 405, 406, 501, 502, 503];

export const search: XepModule = {
  id: 'xep0055-search',
  tag: 'search',
  spec: 'XEP-0055 1.3',
  actions: [
    action({
      name: 'search.get',
      summary: 'Ask a search service what it searches by (XEP-0055): its data form, or its basic fields',
      body: SearchGetBody,
      response: SearchGetResult,
      errorStatuses: SEARCH_ERRORS,
      async handler(ctx, body) {
        const reply = await ctx.iq(searchIq('get', body.to, ctx.newId()));
        return parseSearchFields(reply.getChild('query', NS_SEARCH)) as never;
      },
    }),
    action({
      name: 'search.do',
      summary: 'Search (XEP-0055) with basic fields or a data form',
      description:
        'Send `basic` (field → value) or `form` (data form fields; FORM_TYPE jabber:iq:search is added). Both kinds of results answer `{ fields, results }`.',
      body: SearchDoBody,
      response: SearchDoResult,
      messages: SearchDoMessages,
      errorStatuses: SEARCH_ERRORS,
      async handler(ctx, body) {
        if (body.basic === undefined && body.form === undefined) throw errors.clientError("Missing 'basic' or 'form' key", body);
        // As in XMPP-FTW, basic wins when both are given.
        const request = body.basic !== undefined ? { basic: body.basic } : { form: body.form! };
        const reply = await ctx.iq(searchIq('set', body.to, ctx.newId(), request));
        return parseSearchResults(reply.getChild('query', NS_SEARCH)) as never;
      },
    }),
  ],
};

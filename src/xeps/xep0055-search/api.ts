import { defineApi } from '../area.js';
import { SearchDoBody, SearchDoMessages, SearchDoResult, SearchGetBody, SearchGetResult } from './schema.js';

const SEARCH_ERRORS = [403, 404, 405, 406, 501, 502, 503];

export const api = defineApi({
  id: 'xep0055-search',
  tag: 'search',
  spec: 'XEP-0055 1.3',
  actions: {
    'search.get': {
      summary: 'Ask a search service what it searches by (XEP-0055): its data form, or its basic fields',
      body: SearchGetBody,
      response: SearchGetResult,
      errorStatuses: SEARCH_ERRORS,
    },
    'search.do': {
      summary: 'Search (XEP-0055) with basic fields or a data form',
      description:
        'Send `basic` (field → value) or `form` (data form fields; FORM_TYPE jabber:iq:search is added). Both kinds of results answer `{ fields, results }`.',
      body: SearchDoBody,
      response: SearchDoResult,
      messages: SearchDoMessages,
      errorStatuses: SEARCH_ERRORS,
    },
  },
});

// The avatar upload's base64 checks (src/xeps/xep0084-avatar/mapping.ts): the size limit is read from
// the text's length before anything is decoded, so that length must be exact; and only canonical
// RFC 4648 §4 base64 decodes, so the SHA-1 id is always of the bytes the text stands for.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { decodeBase64, decodedLength } from '../../../src/xeps/xep0084-avatar/mapping.js';

t.test('decodedLength is the decoded size, for every length and padding', async (t) => {
  for (let n = 0; n <= 300; n++) {
    const bytes = randomBytes(n);
    const text = bytes.toString('base64');
    t.equal(decodedLength(text), n, `${n} bytes`);
    const decoded = decodeBase64(text);
    t.ok(decoded?.equals(bytes), `${n} bytes round-trip`);
  }
});

t.test('only canonical base64 decodes', async (t) => {
  const refused = [
    'A', // one character cannot be base64
    'AA', // unpadded
    'AAA',
    'AA=', // padding short
    'AA===',
    '=AAA',
    'AA==AAAA', // padding inside
    'AAAA AAAA', // whitespace
    'AAAA\nAAAA',
    'AA-_', // the URL-safe alphabet (RFC 4648 §5)
    'AB==', // unused bits set: Buffer.from would read it as "AA=="
    'AAB=',
    'ÄAAA',
  ];
  for (const text of refused) t.equal(decodeBase64(text), undefined, JSON.stringify(text));
  t.same(decodeBase64(''), Buffer.alloc(0), 'the empty text is the empty image (the worker refuses it first)');
  t.same(decodeBase64('AA=='), Buffer.from([0]));
  t.same(decodeBase64('/+8='), Buffer.from([0xff, 0xef]));
});

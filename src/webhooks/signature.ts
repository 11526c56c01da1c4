// The Standard Webhooks signature scheme (https://www.standardwebhooks.com/, "Signature scheme"): the
// secret is `whsec_` + base64 of the key; each request is signed with HMAC-SHA256 over
// `{webhook-id}.{webhook-timestamp}.{body}` and sent as `webhook-signature: v1,<base64>`.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new secret: 24 random bytes, as Standard Webhooks' reference libraries make them. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(24).toString('base64')}`;
}

export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

export function sign(key: Buffer, msgId: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
}

/** Does one of the header's space-separated `v1,` signatures match? (What a receiver does; tests use it too.) */
export function verify(secret: string, msgId: string, timestamp: number, body: string, header: string): boolean {
  const expected = Buffer.from(sign(secretKey(secret), msgId, timestamp, body));
  return header.split(' ').some((candidate) => {
    const got = Buffer.from(candidate);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

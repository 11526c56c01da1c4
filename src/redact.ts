// What of a request body may be echoed back or logged: used by both threads (validation errors on
// the HTTP thread, area handlers in the workers), so it lives outside src/http/ and src/session/.

/**
 * A request body fit to echo in an error: every `password` key is dropped at any depth, and the
 * value of any data-form field whose `var` names a password (register, commands) is masked.
 */
export function redact(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redact);
  if (typeof body !== 'object' || body === null) return body;
  const out: Record<string, unknown> = {};
  const field = 'var' in body ? body.var : undefined;
  const isSecretField = typeof field === 'string' && /pass/i.test(field);
  for (const [key, value] of Object.entries(body)) {
    if (/^(password|oldPassword|newPassword)$/i.test(key)) continue;
    out[key] = isSecretField && key === 'value' ? '********' : redact(value);
  }
  return out;
}

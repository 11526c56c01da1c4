// One POST to a checked target (src/outbound/targets.ts), for webhooks and push endpoints alike: no
// connection reuse, no redirects followed, a bounded wait, and https: verified against Node's CAs plus
// those of OUTBOUND_CA_FILE (docs/api.md "Webhooks": an internal receiver with a private CA).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { OutboundTarget } from './targets.js';

/** status 0: no answer (timeout, connection or TLS error), with `error` saying which. */
export interface PostResult {
  status: number;
  error?: string;
}

let caCache: { file: string; ca: string[] } | undefined;

/** Node's own CAs and the file's (a `ca` option replaces the defaults, so both are given). Read once per file. */
function trusted(caFile: string): string[] | undefined {
  if (caFile === '') return undefined;
  if (caCache?.file !== caFile) caCache = { file: caFile, ca: [...rootCertificates, readFileSync(caFile, 'utf8')] };
  return caCache.ca;
}

export function post(
  target: OutboundTarget,
  request: {
    headers: Record<string, string | number>;
    body: string | Buffer | null;
    timeoutMs: number;
    signal: AbortSignal;
    caFile: string;
  },
): Promise<PostResult> {
  return new Promise((resolve) => {
    const secure = target.url.protocol === 'https:';
    const send = secure ? https.request : http.request;
    let ca: string[] | undefined;
    try {
      ca = secure ? trusted(request.caFile) : undefined;
    } catch (err) {
      // Checked at start-up (src/config.ts), but the file may have gone since: this attempt fails, not the process.
      return resolve({ status: 0, error: `OUTBOUND_CA_FILE not readable: ${err instanceof Error ? err.message : String(err)}` });
    }
    let settled = false;
    const finish = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = send(target.url, {
      method: 'POST',
      headers: request.headers,
      signal: request.signal,
      agent: false,
      ...(target.lookup && { lookup: target.lookup }),
      ...(ca && { ca }),
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, error: `No answer within ${request.timeoutMs} ms` });
    }, request.timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      finish(status >= 200 && status < 300 ? { status } : { status, error: `HTTP ${status}` });
      // The status is the whole answer: a response body is never read.
      res.destroy();
    });
    // A certificate that does not verify ends here, before a byte of the body is sent: "TLS: <reason>"
    // names it (e.g. self-signed certificate in certificate chain, unable to verify the first certificate).
    req.on('error', (err: NodeJS.ErrnoException) => finish({ status: 0, error: isTlsError(err) ? `TLS: ${err.message}` : err.message }));
    req.end(request.body ?? undefined);
  });
}

/** OpenSSL's verification failures (their codes), and the host name check of Node. */
function isTlsError(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return (
    code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    code.startsWith('ERR_SSL_') ||
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|DEPTH_ZERO/.test(code)
  );
}

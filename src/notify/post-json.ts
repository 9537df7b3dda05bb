import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { readCappedBody } from '../http/read-capped-body.js';
import { DeliveryError } from './retry.js';

export interface PostOptions {
  headers?: Record<string, string>;
  /** Extra trusted CA (PEM), added to Node's roots. */
  ca?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface PostResult {
  status: number;
  body: string;
}

/**
 * POSTs a body and reads (at most 64 KiB of) the answer. 2xx is success; 408, 429 and 5xx are
 * worth retrying; other statuses are permanent failures. Connection errors and timeouts retry.
 */
export function postBody(url: string, body: string | Buffer, contentType: string, opts: PostOptions): Promise<PostResult> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return new Promise<PostResult>((resolve, reject) => {
    const req = lib.request(
      u,
      {
        method: 'POST',
        headers: { 'content-type': contentType, 'content-length': String(payload.length), 'user-agent': 'patrol-notify', ...opts.headers },
        timeout: opts.timeoutMs,
        ...(u.protocol === 'https:' && opts.ca ? { ca: [...rootCertificates, opts.ca] } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        readCappedBody(res, 64 * 1024)
          .then((b) => {
            const status = res.statusCode ?? 0;
            const text = b.kept.toString('utf8');
            if (status >= 200 && status < 300) resolve({ status, body: text });
            else {
              const retry = status === 408 || status === 429 || status >= 500;
              reject(new DeliveryError(`HTTP ${status} from ${u.host}${text ? `: ${text.slice(0, 300)}` : ''}`, !retry, `HTTP ${status}`));
            }
          })
          .catch((err: unknown) => reject(new DeliveryError(`reading the response from ${u.host}: ${(err as Error).message}`, false)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const tls = /certificate|self.signed|unable to verify/i.test(err.message);
      reject(new DeliveryError(`POST ${u.protocol}//${u.host}${u.pathname}: ${err.code ? `${err.code} ` : ''}${err.message}`, tls));
    });
    req.end(payload);
  });
}

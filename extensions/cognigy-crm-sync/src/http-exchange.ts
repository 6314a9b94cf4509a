import { request as httpRequest } from 'http';
import { request as httpsRequest } from 'https';

/** One answer, or why there was none. */
export type Exchange =
  { kind: 'answer'; status: number; retryAfter: string | undefined; body: string } | { kind: 'failed'; reason: string };

/** Only this much of an answer is read: the service's answers are a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs `body` as is (the bytes that were signed) and reads the answer, all within `timeoutMs`.
 * No redirect is followed and no connection is kept open after the exchange.
 */
export function postOnce(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const bytes = Buffer.from(body, 'utf8');
    let settled = false;
    const finish = (exchange: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(exchange);
    };
    const req = send(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () =>
          finish({
            kind: 'answer',
            status: res.statusCode ?? 0,
            retryAfter: headerValue(res.headers['retry-after']),
            body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_ANSWER_BYTES),
          }),
        );
        res.on('error', (error) => finish({ kind: 'failed', reason: describe(error) }));
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => finish({ kind: 'failed', reason: describe(error) }));
    req.end(bytes);
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describe(error: Error & { code?: string }): string {
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

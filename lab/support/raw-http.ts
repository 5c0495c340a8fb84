/**
 * One HTTP request through `node:http`, for the tests that need what `fetch`
 * will not send: a forged `Host` header, as a DNS-rebinding attack produces.
 *
 * Teaches: the attack's shape. The browser connects to 127.0.0.1 but names the
 * attacker's domain in `Host`; `fetch` always writes the real host, so showing
 * the attack takes a lower-level client.
 * Read next: ../../01-plain-http/server.test.ts, which forges a `Host` with it.
 * @module
 */
import { request } from 'node:http';

/** What came back. */
export interface RawResponse {
  /** The HTTP status, which is what the DNS-rebinding tests assert on (403). */
  status: number;
  /** The response headers, names in lower case as `node:http` gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The whole body as text, read to the end. */
  body: string;
}

/**
 * Sends one request and reads the whole answer.
 *
 * @example
 * ```ts
 * const { status } = await rawRequest('http://127.0.0.1:3001/mcp', {
 *   method: 'POST',
 *   headers: { Host: 'evil.example', 'Content-Type': 'application/json' },
 *   body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
 * });
 * // 403
 * ```
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * One HTTP request through `node:http`, or raw bytes through `node:net`, for
 * the tests that need what `fetch` will not send: a forged `Host` header, as a
 * DNS-rebinding attack produces; a `Content-Length` the body never reaches;
 * more headers than a server keeps.
 *
 * Teaches: the attack's shape. The browser connects to 127.0.0.1 but names the
 * attacker's domain in `Host`; `fetch` always writes the real host, so showing
 * the attack takes a lower-level client.
 * Read next: ../../01-plain-http/server.test.ts, which forges a `Host` with it.
 * @module
 */
import { request } from 'node:http';
import { connect } from 'node:net';

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

/**
 * Writes `bytes` on a fresh TCP connection, never ends its side, and reads
 * until the server closes the connection: a server that waits for a body the
 * client never sends makes this hang (and the test time out), one that answers
 * and closes resolves it. The answer is parsed as one HTTP/1.1 response with a
 * `Content-Length` body, as every JSON error of the course servers is.
 *
 * @example
 * ```ts
 * const { status } = await rawExchange(port, 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1073741824\r\n\r\n{');
 * // 413, before the gigabyte
 * ```
 */
export function rawExchange(port: number, bytes: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    // The server may reset a connection it closed with bytes still unread; the answer came first.
    socket.on('error', (error) => (text === '' ? reject(error) : undefined));
    socket.on('close', () => {
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

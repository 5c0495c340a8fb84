/**
 * A fetch without keep-alive: every request asks for a connection of its own
 * (`Connection: close`). The comparison and the benchmark use it to measure
 * what keep-alive saves; a real client never wants it.
 * Read next: ../../01-plain-http/demo.ts, which runs the client with and
 * without keep-alive.
 * @module
 */

/**
 * `fetch`, with `Connection: close` on every request.
 *
 * @example
 * ```ts
 * new StreamableHttpClientTransport(url, {}, { fetch: fetchWithoutKeepAlive });
 * ```
 */
export const fetchWithoutKeepAlive: typeof fetch = (input, init = {}) =>
  fetch(input, {
    ...init,
    headers: { ...Object.fromEntries(new Headers(init.headers)), Connection: 'close' },
  });

/**
 * Counting what each client (and each session) holds at once: sessions,
 * open SSE connections. The count a limit of limits.ts is held against.
 *
 * Teaches: that a limit on "how many at once" is two operations, taking a
 * slot and giving it back, and that the second is the one that is easy to
 * forget. A slot is given back exactly once, by the release `take` returned,
 * however many times it is called: a session that ends twice, or a
 * connection that both finishes and closes, frees one slot, not two.
 * Implements: no MCP rule; the transports' "Security Warning" leaves resource
 * limits to the server.
 * Read next: ../02-http-sse/sessions.ts (a stream is a session there), then
 * ../03-streamable-http/sessions.ts and ../03-streamable-http/handshake-era.ts
 * (sessions, and streams per session and per client), which count with it.
 * @module
 */

/**
 * How many of something each key holds right now (a key is a client address
 * or a session id).
 *
 * @example
 * ```ts
 * const streams = new HeldCounts();
 * const release = streams.take('127.0.0.1');
 * streams.count('127.0.0.1'); // 1
 * release();
 * release(); // a second call gives back nothing
 * streams.count('127.0.0.1'); // 0
 * ```
 */
export class HeldCounts {
  readonly #held = new Map<string, number>();
  #total = 0;

  /** How many `key` holds. */
  count(key: string): number {
    return this.#held.get(key) ?? 0;
  }

  /** How many all keys hold together. */
  get total(): number {
    return this.#total;
  }

  /**
   * Records one more for `key`; the caller has checked the limit first.
   * @returns the release, which gives the slot back once, however often it is called.
   */
  take(key: string): () => void {
    this.#held.set(key, this.count(key) + 1);
    this.#total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total -= 1;
      const left = this.count(key) - 1;
      // A key that holds nothing is forgotten: the map is bounded by what is held, not by who ever came.
      if (left > 0) this.#held.set(key, left);
      else this.#held.delete(key);
    };
  }
}

/**
 * The address a limit per client counts by: the TCP peer. Behind a reverse
 * proxy or load balancer that is the proxy, so every client shares one
 * count; such a deployment must count by the address the proxy forwards
 * (`X-Forwarded-For`, trusted only from the proxy) or set the per-client
 * limits as high as the per-server ones.
 */
export function clientAddress(req: { socket: { remoteAddress?: string | undefined } }): string {
  return req.socket.remoteAddress ?? 'unknown';
}

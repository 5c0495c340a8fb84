/**
 * A raw HTTP/1.1 exchange over a `node:net` socket, for the fuzzer's requests
 * that `fetch` refuses to send: control bytes in a header, no `Host`, a header
 * section larger than the server's limit, a `Content-Length` far larger than
 * the body that follows, broken chunk framing, and `HEAD` followed by a second
 * request on the same connection.
 *
 * Teaches: what "the answer arrived" means on the wire. A response is complete
 * when its body is (by `Content-Length`, by the last chunk, or by the close of
 * the connection), and an answer to `HEAD` has no body at all, so the only way
 * to see that a server finished one is to send another request behind it and
 * get that answered too. A server that forgets to end a response leaves the
 * connection stuck, and this client reports it as a hang after a bound.
 * Read next: oracle.ts, which judges what came back.
 * @module
 */
import { connect } from 'node:net';

/** One response as it came off the wire. */
export interface WireResponse {
  /** The status code of the status line. */
  status: number;
  /** Header names in lower case; a repeated header's values joined with `, `. */
  headers: Record<string, string>;
  /** The body, de-chunked; for an event stream, whatever had arrived when reading stopped. */
  body: Buffer;
  /** True for a `200 text/event-stream` answer, which is not read to its end (it may have none). */
  stream: boolean;
}

/** What one connection brought back. */
export interface WireExchange {
  /** The complete responses, in order (interim 1xx responses left out). */
  responses: WireResponse[];
  /** True when the server closed the connection. */
  closed: boolean;
}

/** Options for {@link exchange}. */
export interface ExchangeOptions {
  /** How many responses to wait for (the requests written on the connection). */
  expect: number;
  /** Which of them answer `HEAD` (by index): those have no body whatever their headers say. */
  heads?: readonly boolean[];
  /** The bound against a hang: after this, the exchange fails with what arrived so far. */
  timeoutMs: number;
}

/** The exchange did not finish within its bound: the server neither answered nor closed. */
export class WireTimeout extends Error {
  constructor(
    timeoutMs: number,
    /** What had arrived when the bound ran out. */
    readonly partial: WireExchange,
    received: string,
  ) {
    super(
      `no complete answer within ${timeoutMs} ms (${partial.responses.length} complete ` +
        `response(s)); received so far: ${JSON.stringify(received.slice(0, 600))}`,
    );
    this.name = 'WireTimeout';
  }
}

/**
 * Writes `bytes` on a new connection to `127.0.0.1:port`, then reads until
 * `expect` responses are complete, the server closes the connection, or an
 * event stream starts. The client never ends its side first: a request whose
 * body is still "to come" stays that way, as from a slow client.
 *
 * @example
 * ```ts
 * const { responses } = await exchange(port, 'HEAD /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', {
 *   expect: 1,
 *   heads: [true],
 *   timeoutMs: 5_000,
 * });
 * ```
 */
export function exchange(
  port: number,
  bytes: string | Buffer,
  options: ExchangeOptions,
): Promise<WireExchange> {
  const { expect, heads = [], timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let closed = false;
    let settled = false;
    const finish = (outcome: WireExchange | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const progress = (): void => {
      let parsed: ParsedResponses;
      try {
        parsed = parseResponses(received, heads, closed);
      } catch (error) {
        finish(error as Error);
        return;
      }
      const { responses, streamStarted } = parsed;
      if (responses.length >= expect || streamStarted || closed) finish({ responses, closed });
    };
    const timer = setTimeout(() => {
      let partial: WireExchange = { responses: [], closed };
      try {
        partial = { responses: parseResponses(received, heads, closed).responses, closed };
      } catch {
        // Unparseable bytes: the message shows them.
      }
      finish(new WireTimeout(timeoutMs, partial, received.toString('latin1')));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      progress();
    });
    socket.on('close', () => {
      closed = true;
      progress();
    });
    // A reset after the server answered and closed is still an answer; the close handler judges.
    socket.on('error', () => {});
    socket.write(bytes);
  });
}

interface ParsedResponses {
  responses: WireResponse[];
  /** A 200 event stream began: reading stops there. */
  streamStarted: boolean;
}

/** Splits what arrived into complete responses; a trailing incomplete one is left out. */
function parseResponses(data: Buffer, heads: readonly boolean[], closed: boolean): ParsedResponses {
  const responses: WireResponse[] = [];
  let offset = 0;
  while (offset < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd < 0) break;
    const [statusLine = '', ...lines] = data
      .subarray(offset, headEnd)
      .toString('latin1')
      .split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)?.[1]);
    if (!Number.isInteger(status)) {
      throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(statusLine.slice(0, 200))}`);
    }
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`not a header line: ${JSON.stringify(line.slice(0, 200))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const bodyStart = headEnd + 4;
    if (status < 200) {
      offset = bodyStart; // 100 Continue and friends: the final response follows
      continue;
    }
    if (heads[responses.length] === true || status === 204 || status === 304) {
      responses.push({ status, headers, body: Buffer.alloc(0), stream: false });
      offset = bodyStart;
      continue;
    }
    if (status === 200 && (headers['content-type'] ?? '').startsWith('text/event-stream')) {
      const rest = data.subarray(bodyStart);
      const body = headers['transfer-encoding'] === 'chunked' ? dechunk(rest).body : rest;
      responses.push({ status, headers, body, stream: true });
      return { responses, streamStarted: true };
    }
    let body: Buffer;
    if ((headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
      const chunked = dechunk(data.subarray(bodyStart));
      if (!chunked.complete) break;
      body = chunked.body;
      offset = bodyStart + chunked.consumed;
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (data.length - bodyStart < length) break;
      body = data.subarray(bodyStart, bodyStart + length);
      offset = bodyStart + length;
    } else {
      // Delimited by the close of the connection.
      if (!closed) break;
      body = data.subarray(bodyStart);
      offset = data.length;
    }
    responses.push({ status, headers, body, stream: false });
  }
  return { responses, streamStarted: false };
}

/** Decodes a chunked body as far as it has arrived. */
function dechunk(data: Buffer): { body: Buffer; complete: boolean; consumed: number } {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset, 'latin1');
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isInteger(size)) break;
    const chunkStart = lineEnd + 2;
    if (size === 0) {
      // The last chunk; no trailers are sent by the course's servers.
      const end = data.indexOf('\r\n', chunkStart, 'latin1');
      if (end < 0) break;
      return { body: Buffer.concat(parts), complete: true, consumed: end + 2 };
    }
    if (data.length < chunkStart + size + 2) {
      parts.push(data.subarray(chunkStart, Math.min(data.length, chunkStart + size)));
      break;
    }
    parts.push(data.subarray(chunkStart, chunkStart + size));
    offset = chunkStart + size + 2;
  }
  return { body: Buffer.concat(parts), complete: false, consumed: offset };
}

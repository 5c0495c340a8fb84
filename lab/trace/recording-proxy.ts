/**
 * A recording proxy: a reverse proxy on 127.0.0.1 that forwards every byte
 * between a stage's client and its server unchanged and unbuffered, and
 * writes down what crossed it: each request, each response, and each SSE
 * event of a streamed response. `npm run trace` puts it between a stage's
 * real client and real server and draws the recording as a sequence diagram.
 *
 * Teaches: what a transport really puts on the wire, seen from where a load
 * balancer sits. A proxy can read every header and every SSE event without
 * changing the exchange, as long as it forwards each chunk the moment it
 * arrives (buffering would hold progress back) and passes a client's cut on
 * to the server (otherwise the server never learns the stream is gone, and a
 * 2026-07-28 server would never cancel the tool).
 * Read next: sequence-diagram.ts, which turns the recording into a diagram.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import { Agent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { forwardRequest, withoutHopByHop } from '../deploy/balancer.ts';
import { serveOnLoopback } from '../../shared/http/loopback-server.ts';

/**
 * The headers a recording keeps: the ones the MCP transports define, and the
 * two that decide what a body is and what a client accepts. The rest
 * (`Host`, `Content-Length`, `Date`, …) say nothing about the protocol.
 */
export const RECORDED_HEADERS = [
  'content-type',
  'accept',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'mcp-method',
  'mcp-name',
  'x-served-by',
] as const;

/** An SSE event, as the proxy parsed it. */
export interface RecordedEvent {
  /** Tells the three kinds of {@link RecordedStreamItem} apart. */
  kind: 'event';
  /** When the proxy saw it, on the recording's one clock (see {@link RecordedExchange.seq}). */
  seq: number;
  /** The `event` field; absent means a client treats it as `message`. */
  event: string | undefined;
  /** The `id` field: what the client would send back as `Last-Event-ID`. */
  id: string | undefined;
  /** A `retry` field that came in the same event. */
  retry: number | undefined;
  /** The `data` field: a JSON-RPC message, or `''` for a priming event. */
  data: string;
}

/** A `retry` field sent on its own, as a server does before it closes a connection for polling. */
export interface RecordedRetry {
  /** Tells the three kinds of {@link RecordedStreamItem} apart. */
  kind: 'retry';
  /** When the proxy saw it. */
  seq: number;
  /** How long the client should wait before reconnecting, in ms. */
  retry: number;
}

/** An SSE comment line, such as a keep-alive. */
export interface RecordedComment {
  /** Tells the three kinds of {@link RecordedStreamItem} apart. */
  kind: 'comment';
  /** When the proxy saw it. */
  seq: number;
  /** The comment's text. */
  text: string;
}

/** One thing a streamed response carried, in the order it arrived. */
export type RecordedStreamItem = RecordedEvent | RecordedRetry | RecordedComment;

/** The response's head (and body, when it is not a stream). */
export interface RecordedResponse {
  /** When the proxy saw the response start. */
  seq: number;
  /** The HTTP status. */
  status: number;
  /** The {@link RECORDED_HEADERS} it carried, by lower-case name. */
  headers: Record<string, string>;
  /** The body of a response that is not an event stream; `''` for one that is. */
  body: string;
}

/** How and when an exchange ended. */
export interface RecordedEnd {
  /** When the proxy saw it end. */
  seq: number;
  /** The response completed, the client closed its connection first, or the server did. */
  by: 'complete' | 'client' | 'server';
}

/** One HTTP request through the proxy, and what came back. */
export interface RecordedExchange {
  /**
   * When the request reached the proxy. Every observation of one recording
   * takes the next number from one counter, so numbers order observations
   * across connections without a clock.
   */
  seq: number;
  /** The HTTP method. */
  method: string;
  /** Path with its query, e.g. `/message?sessionId=…`. */
  path: string;
  /** The {@link RECORDED_HEADERS} the request carried (`mcp-param-*` too), by lower-case name. */
  requestHeaders: Record<string, string>;
  /** The request's body, as sent. */
  requestBody: string;
  /** The response, once it started; `undefined` if none came. */
  response: RecordedResponse | undefined;
  /** The events of an event stream, in order. */
  stream: RecordedStreamItem[];
  /**
   * How the exchange ended: the response completed, the client closed its
   * connection first (a cut, or a client done reading), or the server did.
   * `undefined` while it is still going.
   */
  end: RecordedEnd | undefined;
}

/** A running recording proxy. */
export interface RecordingProxy {
  /** The proxy's origin, e.g. `http://127.0.0.1:41234`: append the server's path. */
  url: string;
  /** Every exchange so far, in the order the requests arrived. */
  readonly exchanges: readonly RecordedExchange[];
  /**
   * Resolves once every exchange has ended (a client's close reaches the
   * proxy a moment after the client returned), or after `timeoutMs`.
   */
  settled(timeoutMs?: number): Promise<void>;
  /** Stops the proxy. */
  close(): Promise<void>;
}

/**
 * Starts a recording proxy in front of `upstream` (an origin such as
 * `http://127.0.0.1:3003`).
 *
 * @example
 * ```ts
 * const server = await createStreamableHttpServer({ port: 0 });
 * const proxy = await startRecordingProxy(new URL(server.url).origin);
 * await runStreamableHttpClient({ url: `${proxy.url}/mcp` });
 * await proxy.settled();
 * proxy.exchanges.map((e) => `${e.method} ${e.path} ${e.response?.status}`);
 * // ['POST /mcp 200', 'POST /mcp 200', 'POST /mcp 200']
 * ```
 */
export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const exchanges: RecordedExchange[] = [];
  let clock = 0;
  const tick = (): number => (clock += 1);

  const server = await serveOnLoopback((req, res) => {
    const exchange: RecordedExchange = {
      seq: tick(),
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      requestHeaders: recordedHeaders(req.headers),
      requestBody: '',
      response: undefined,
      stream: [],
      end: undefined,
    };
    exchanges.push(exchange);
    const finish = (by: 'complete' | 'client' | 'server'): void => {
      exchange.end ??= { seq: tick(), by };
    };

    const upstreamRequest = forwardRequest(req, target, agent);
    const requestText = new StringDecoder('utf8');
    req.on('data', (chunk: Buffer) => (exchange.requestBody += requestText.write(chunk)));
    req.pipe(upstreamRequest);

    upstreamRequest.on('response', (upstreamResponse) => {
      exchange.response = {
        seq: tick(),
        status: upstreamResponse.statusCode ?? 502,
        headers: recordedHeaders(upstreamResponse.headers),
        body: '',
      };
      res.writeHead(exchange.response.status, withoutHopByHop(upstreamResponse.headers));
      res.flushHeaders(); // the client must see a stream open now, not with its first event
      recordBody(upstreamResponse, exchange, tick);
      // pipe() writes each chunk on as it arrives: nothing is held back, so timing is unchanged.
      upstreamResponse.pipe(res);
      upstreamResponse.on('error', () => {}); // a server's cut; 'close' below records it
      upstreamResponse.on('close', () => {
        if (upstreamResponse.complete) return;
        finish('server');
        res.destroy(); // pass the server's cut on: the client must see it as the server made it
      });
    });
    upstreamRequest.on('error', () => {
      finish('server');
      res.destroy();
    });
    res.on('close', () => {
      if (res.writableFinished) {
        finish('complete');
        return;
      }
      finish('client');
      // The client hung up: so does the proxy, or the server would go on writing to nobody.
      upstreamRequest.destroy();
    });
  }, 0);

  return {
    url: `http://127.0.0.1:${server.port}`,
    exchanges,
    async settled(timeoutMs = 2_000) {
      for (let waited = 0; waited < timeoutMs; waited += 10) {
        if (exchanges.every((exchange) => exchange.end)) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      await server.close();
      agent.destroy();
    },
  };
}

/**
 * Reads along a response as it is forwarded: an event stream through an SSE
 * parser, item by item as the chunks arrive; any other body whole.
 */
function recordBody(
  response: IncomingMessage,
  exchange: RecordedExchange,
  tick: () => number,
): void {
  const text = new StringDecoder('utf8');
  if (!(response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    response.on('data', (chunk: Buffer) => {
      if (exchange.response) exchange.response.body += text.write(chunk);
    });
    return;
  }
  // The parser reports `retry` when it reads the line and the event only at the
  // blank line that ends it, so a retry waits here for the event it came with.
  let retry: number | undefined;
  const parser = createParser({
    onRetry: (ms) => (retry = ms),
    onEvent: ({ event, id, data }) => {
      exchange.stream.push({ kind: 'event', seq: tick(), event, id, retry, data });
      retry = undefined;
    },
    onComment: (comment) => exchange.stream.push({ kind: 'comment', seq: tick(), text: comment }),
  });
  response.on('data', (chunk: Buffer) => parser.feed(text.write(chunk)));
  response.on('close', () => {
    // A `retry` alone (a server about to close the connection so the client polls).
    if (retry !== undefined) exchange.stream.push({ kind: 'retry', seq: tick(), retry });
  });
}

function recordedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const recorded =
      (RECORDED_HEADERS as readonly string[]).includes(name) || name.startsWith('mcp-param-');
    if (recorded && value !== undefined)
      kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

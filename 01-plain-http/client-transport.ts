/**
 * The client transport of stage 01: every message is one POST, every answer
 * one JSON body (or a bare 202 for a notification).
 *
 * Teaches: how little a client needs when the server only ever answers JSON:
 * POST, read the body, hand the message to the client core. And what it pays:
 * the transport counts the TCP connections it opens, so that with keep-alive
 * one connection is seen to carry every call, and without it each POST costs
 * a new connection (and, over HTTPS, a new TLS handshake). A request's answer
 * can only come back on its own connection, so cutting that connection
 * (`cutConnections`) loses the answer. Stage 01's server only ever answers
 * JSON, but the `Accept` header promises both types, so an answer on an SSE
 * stream (what stage 03 sends when a call reports progress) is read too.
 * Implements: the client side of "Streamable HTTP" ("Sending Messages to the
 * Server"), revisions 2025-03-26 to 2026-07-28: one POST per message, its
 * answer as JSON or as an SSE stream read to its end.
 * Read next: client.ts, the stage's scenario run over this transport.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 * @module
 */
import { createParser } from 'eventsource-parser';
import { Agent, fetch } from 'undici';
import { checkMessage, isRequest, type JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import type { ClientTransport, SendOptions } from '../shared/protocol/mcp-client.ts';
import { requestHeaders } from '../shared/http/request-metadata.ts';
import { isPerRequestVersion } from '../shared/protocol/versions.ts';

/** Options for {@link PlainHttpClientTransport}. */
export interface PlainHttpTransportOptions {
  /**
   * Reuse one TCP connection for every request (the default). `false` sends
   * `Connection: close`, so every POST opens a connection of its own.
   */
  keepAlive?: boolean;
}

/**
 * Sends each message as a POST and hands the JSON answer back to the client core.
 *
 * @example
 * ```ts
 * const transport = new PlainHttpClientTransport('http://127.0.0.1:3001/mcp');
 * const client = new McpClient({ transport, clientInfo: { name: 'me', version: '1.0.0' } });
 * await client.connect();
 * console.log(transport.connections); // 1
 * ```
 */
export class PlainHttpClientTransport implements ClientTransport {
  onmessage?: (message: JsonRpcMessage) => void;
  readonly #url: string;
  readonly #keepAlive: boolean;
  // One connection per origin: HTTP/1.1 carries one request at a time on a
  // connection, so sequential calls reuse it and the count stays exact.
  readonly #agent = new Agent({ connections: 1 });
  #connections = 0;
  #requests = 0;
  /** One per request in flight; aborting it closes that request's connection. */
  readonly #inFlight = new Set<AbortController>();

  constructor(url: string, options: PlainHttpTransportOptions = {}) {
    this.#url = url;
    this.#keepAlive = options.keepAlive ?? true;
    // Counted where connections are made, not guessed from the number of requests.
    this.#agent.on('connect', () => (this.#connections += 1));
  }

  /** TCP connections this transport has opened. */
  get connections(): number {
    return this.#connections;
  }

  /** HTTP requests this transport has sent. */
  get requests(): number {
    return this.#requests;
  }

  /** Cuts every request in flight, as a network failure would: their answers are lost. For tests. */
  cutConnections(): void {
    for (const request of this.#inFlight) request.abort(new Error('connection cut'));
  }

  async send(message: JsonRpcMessage, { signal, protocolVersion }: SendOptions): Promise<void> {
    this.#requests += 1;
    const request = new AbortController();
    this.#inFlight.add(request);
    try {
      await this.#post(message, request.signal, signal, protocolVersion);
    } finally {
      this.#inFlight.delete(request);
    }
  }

  async #post(
    message: JsonRpcMessage,
    cut: AbortSignal,
    signal: AbortSignal | undefined,
    protocolVersion: string | undefined,
  ): Promise<void> {
    const response = await fetch(this.#url, {
      method: 'POST',
      dispatcher: this.#agent,
      signal: signal ? AbortSignal.any([signal, cut]) : cut,
      headers: {
        'Content-Type': 'application/json',
        // A Streamable HTTP client MUST accept both; this server only ever answers JSON.
        Accept: 'application/json, text/event-stream',
        ...(protocolVersion ? { 'MCP-Protocol-Version': protocolVersion } : {}),
        // 2026-07-28: method and name mirrored into headers, which the server checks against the body.
        // The demo tools mark no parameter with x-mcp-header, so no tool is needed for Mcp-Param-*.
        ...(isPerRequestVersion(protocolVersion) && isRequest(message)
          ? requestHeaders(message, undefined)
          : {}),
        ...(this.#keepAlive ? {} : { Connection: 'close' }),
      },
      body: JSON.stringify(message),
    });
    // 202: a notification or response was accepted; there is nothing to read.
    if (response.status === 202) {
      await response.body?.cancel();
      return;
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('text/event-stream') && response.body) {
      // [spec] "The client MUST support both": each event's data is one message
      // (progress, then the response), delivered as it arrives.
      const parser = createParser({
        onEvent: ({ data }) => data && this.#deliver(data, response.status),
      });
      for await (const text of response.body.pipeThrough(new TextDecoderStream()))
        parser.feed(text);
      return;
    }
    const text = await response.text();
    if (!contentType.includes('application/json')) {
      throw new Error(`HTTP ${response.status} from ${this.#url}: ${text.slice(0, 200)}`);
    }
    this.#deliver(text, response.status);
  }

  /** Hands one JSON-RPC message to the client core; `status` is the HTTP status it came with. */
  #deliver(text: string, status: number): void {
    // Errors arrive as JSON-RPC bodies too (400, 404, ...): the core matches them to the request by id.
    const checked = checkMessage(JSON.parse(text));
    if (!checked.ok)
      throw new Error(`HTTP ${status}: not a JSON-RPC message: ${text.slice(0, 200)}`);
    if ('error' in checked.message && checked.message.id === null) {
      throw new Error(`HTTP ${status}: ${checked.message.error.message}`);
    }
    this.onmessage?.(checked.message);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

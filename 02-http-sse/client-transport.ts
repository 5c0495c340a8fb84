/**
 * The client transport of stage 02: open `GET /sse`, wait for the `endpoint`
 * event, then POST every message there and read every answer from the stream.
 *
 * Teaches: the client's half of the two-endpoint design. A POST only says
 * "accepted" (202); the real answer, and the progress before it, arrive on the
 * stream, matched to the request by id. That makes the stream precious: if it
 * drops (or `cutConnections` cuts it), every answer still on its way is gone,
 * and the transport does not reconnect, because a new stream is a new session
 * that knows nothing of the old one.
 * Implements: the client side of "HTTP with SSE", revision 2024-11-05.
 * Read next: client.ts, the stage's scenario run over this transport.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 * @module
 */
import { EventSource } from 'eventsource';
import { checkMessage, type JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import type { ClientTransport } from '../shared/protocol/mcp-client.ts';

/** The error pending requests fail with when the stream drops: their answers cannot arrive any more. */
export class StreamDroppedError extends Error {
  constructor(detail: string) {
    super(`The SSE stream dropped (${detail}); answers still on their way are lost`);
    this.name = 'StreamDroppedError';
  }
}

/**
 * The HTTP+SSE client transport.
 *
 * @example
 * ```ts
 * const transport = new SseClientTransport('http://127.0.0.1:3002/sse');
 * await transport.start(); // opens the stream, waits for the endpoint event
 * const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
 * await client.connect();
 * ```
 */
export class SseClientTransport implements ClientTransport {
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (error: Error) => void;
  readonly #sseUrl: URL;
  readonly #fetch: typeof fetch;
  #eventSource: EventSource | undefined;
  #endpoint: URL | undefined;

  /** @param options.fetch the fetch to use for the stream and the POSTs (tests pass one that counts or closes connections). */
  constructor(sseUrl: string, options: { fetch?: typeof fetch } = {}) {
    this.#sseUrl = new URL(sseUrl);
    this.#fetch = options.fetch ?? fetch;
  }

  /** Where this session's messages are POSTed; known once the stream is open. */
  get endpoint(): URL | undefined {
    return this.#endpoint;
  }

  /** The session id the server chose, read from the endpoint URL. */
  get sessionId(): string | undefined {
    return this.#endpoint?.searchParams.get('sessionId') ?? undefined;
  }

  /** Opens the stream and resolves once the server named the POST endpoint. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const eventSource = new EventSource(this.#sseUrl, { fetch: this.#fetch });
      this.#eventSource = eventSource;
      // [spec] "the server MUST send an endpoint event containing a URI for the client to use for sending messages."
      eventSource.addEventListener('endpoint', (event) => {
        const endpoint = new URL(event.data as string, this.#sseUrl);
        // Never POST our messages to another origin because a stream said so.
        if (endpoint.origin !== this.#sseUrl.origin) {
          this.#drop(`endpoint on another origin: ${endpoint.origin}`);
          reject(new Error(`The server named an endpoint on another origin: ${endpoint.href}`));
          return;
        }
        this.#endpoint = endpoint;
        resolve();
      });
      eventSource.addEventListener('message', (event) => {
        let value: unknown;
        try {
          value = JSON.parse(event.data as string);
        } catch {
          return; // not a JSON-RPC message; nothing to route
        }
        const checked = checkMessage(value);
        if (checked.ok) this.onmessage?.(checked.message);
      });
      eventSource.addEventListener('error', (event) => {
        // EventSource would reconnect by itself, but here a new stream is a new
        // session with a new endpoint: the old session's answers would never come.
        const detail = event.message ?? 'connection lost';
        this.#drop(detail);
        reject(new Error(`Could not open the SSE stream at ${this.#sseUrl.href}: ${detail}`));
      });
    });
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (!this.#endpoint) throw new Error('The stream is not open: call start() first');
    const response = await this.#fetch(this.#endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(message),
    });
    const text = await response.text();
    // [SDK convention] 202: accepted; the answer will come on the stream.
    if (response.status === 202) return;
    let detail = text.slice(0, 200);
    try {
      detail = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // not a JSON-RPC error body; keep the text
    }
    throw new Error(
      `POST ${this.#endpoint.pathname}${this.#endpoint.search} failed: HTTP ${response.status}: ${detail}`,
    );
  }

  /**
   * Cuts the stream's connection, as a network failure would: answers still on
   * their way are lost, and pending requests fail with {@link StreamDroppedError}.
   * For demos and tests.
   */
  cutConnections(): void {
    this.#drop('cut by the client');
  }

  async close(): Promise<void> {
    this.#eventSource?.close();
    this.#eventSource = undefined;
    return Promise.resolve();
  }

  #drop(detail: string): void {
    if (!this.#eventSource) return;
    this.#eventSource.close();
    this.#eventSource = undefined;
    this.onclose?.(new StreamDroppedError(detail));
  }
}

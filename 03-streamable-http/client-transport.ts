/**
 * The client transport of stage 03: every message is a POST to `/mcp`; the
 * answer is JSON or an SSE stream, and a stream that drops is resumed with
 * `GET` + `Last-Event-ID` (handshake era) or reported lost (2026-07-28).
 *
 * Teaches: what a Streamable HTTP client must handle that a stage 02 client
 * could not. It accepts both answer types; it remembers the last event id of
 * each stream and, when the connection drops (or the server closes it to make
 * it poll), waits `retry` and comes back for exactly what it missed; it
 * carries `Mcp-Session-Id` in the handshake era and the request metadata
 * headers in 2026-07-28 (listing tools again and retrying once when the server
 * answers -32020: its tool definitions were stale); and it ends its session
 * with DELETE when done.
 * Implements: the client side of Streamable HTTP, revisions 2025-03-26 to 2026-07-28.
 * Read next: client.ts, which decides what to do when a session or a stream is lost.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import {
  checkMessage,
  ErrorCode,
  isPlainObject,
  isRequest,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type RequestId,
} from '../shared/protocol/jsonrpc.ts';
import type { ClientTransport, SendOptions } from '../shared/protocol/mcp-client.ts';
import type { ToolDefinition } from '../shared/protocol/tools.ts';
import { isPerRequestVersion } from '../shared/protocol/versions.ts';
import { mirroredParameters, requestHeaders } from '../shared/http/request-metadata.ts';

/** The server no longer knows our session (404): the client must initialize again. */
export class SessionNotFoundError extends Error {
  constructor() {
    super('The server does not know this session (HTTP 404): initialize again');
    this.name = 'SessionNotFoundError';
  }
}

/**
 * A stream ended before its answer and cannot be resumed: revision
 * 2026-07-28 has no resumption, and a stream without event ids (sessionless
 * mode) offers no place to resume from. The answer is lost; in 2026-07-28 the
 * client "MUST resend it as a new request with a new id".
 */
export class StreamLostError extends Error {
  constructor() {
    super('The stream ended before its answer and cannot be resumed');
    this.name = 'StreamLostError';
  }
}

/** How long to wait before resuming when the server named no `retry`. */
const DEFAULT_RETRY_MS = 1_000;

/** Give up on a stream after this many resumes in a row that brought nothing new. */
const MAX_FRUITLESS_RESUMES = 5;

/** What the transport tells an observer about its streams (for the CLI and the tests). */
export interface StreamObserver {
  /** A connection carrying a stream ended before the answer; the client will resume after `retryMs`. */
  onDisconnect?(info: { lastEventId: string | undefined; retryMs: number }): void;
  /** A resume (`GET` + `Last-Event-ID`) was answered. */
  onResume?(info: { lastEventId: string }): void;
  /** A message arrived on the stream answering `requestId`, in an event with this id (if any). */
  onEvent?(event: {
    requestId: RequestId;
    eventId: string | undefined;
    message: JsonRpcMessage;
  }): void;
}

/**
 * The Streamable HTTP client transport, for both eras: sessions and resumable
 * streams in the handshake era, request metadata headers in 2026-07-28.
 *
 * @example
 * ```ts
 * const transport = new StreamableHttpClientTransport('http://127.0.0.1:3003/mcp');
 * const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
 * await client.connect();
 * // … calls …
 * await client.close(); // DELETE ends the session
 * ```
 */
export class StreamableHttpClientTransport implements ClientTransport {
  onmessage?: (message: JsonRpcMessage) => void;
  readonly #url: URL;
  readonly #observer: StreamObserver;
  readonly #fetchImpl: typeof fetch;
  #sessionId: string | undefined;
  /** The version the session's messages are sent under, for the headers of the DELETE that ends it. */
  #sessionVersion: SendOptions['protocolVersion'];
  /** Aborting one cuts that connection (not the request): the stream is then resumed. */
  readonly #connections = new Set<AbortController>();
  readonly #connectionOf = new WeakMap<Response, AbortController>();
  /** The tools the server listed, for their `x-mcp-header` parameters (2026-07-28). */
  readonly #tools = new Map<string, ToolDefinition>();
  /** Ids of `tools/list` requests in flight, whose answers are read for those tools. */
  readonly #toolListRequests = new Set<RequestId>();
  /** The transport's own `tools/list` requests (after a -32020), and their results once answered. */
  readonly #refreshes = new Map<RequestId, JsonObject | undefined>();
  #refreshCount = 0;
  readonly #wait: (ms: number, signal: AbortSignal | undefined) => Promise<void>;

  /**
   * @param options.fetch the fetch to use (tests pass one that counts or closes connections).
   * @param options.wait how to wait `retry` ms before a resume; a timer by default (a test passes
   *   one that records the wait, so it proves the client respects `retry` without a clock).
   */
  constructor(
    url: string,
    observer: StreamObserver = {},
    options: {
      fetch?: typeof fetch;
      wait?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
    } = {},
  ) {
    this.#url = new URL(url);
    this.#observer = observer;
    this.#fetchImpl = options.fetch ?? fetch;
    this.#wait = options.wait ?? ((ms, signal) => sleep(ms, undefined, signal ? { signal } : {}));
  }

  /** The session the server assigned in its answer to `initialize`, if any. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Forgets the session, so the next `initialize` starts a new one. */
  resetSession(): void {
    this.#sessionId = undefined;
  }

  /** Cuts every open stream connection, as a network failure would; each stream then resumes. For demos and tests. */
  cutConnections(): void {
    for (const connection of this.#connections) connection.abort(new Error('connection cut'));
  }

  /**
   * POSTs one message. For a request, resolves once its answer was delivered
   * (reading, and if need be resuming, its stream), so a failure here fails
   * that request alone.
   */
  async send(message: JsonRpcMessage, options: SendOptions): Promise<void> {
    await this.#send(message, options, true);
  }

  /** {@link send}, allowed (`mayRetry`) or not to list tools again and retry after a -32020. */
  async #send(message: JsonRpcMessage, options: SendOptions, mayRetry: boolean): Promise<void> {
    const isInitialize = 'method' in message && message.method === 'initialize';
    if (isInitialize) this.#sessionId = undefined;
    // Remembered for the DELETE, which no request's options accompany.
    if (!isInitialize && options.protocolVersion) this.#sessionVersion = options.protocolVersion;
    let headers: Record<string, string> = {};
    if (isRequest(message)) {
      if (message.method === 'tools/list') this.#toolListRequests.add(message.id);
      // 2026-07-28: method, name and marked arguments mirrored into headers, for intermediaries.
      if (isPerRequestVersion(options.protocolVersion)) {
        const name = message.params?.name;
        headers = requestHeaders(
          message,
          typeof name === 'string' ? this.#tools.get(name) : undefined,
        );
      }
    }
    const response = await this.#fetch('POST', options, { body: JSON.stringify(message), headers });
    if (isInitialize) this.#sessionId = response.headers.get('mcp-session-id') ?? undefined;
    if (response.status === 202) return;
    if (response.status === 404 && this.#sessionId) {
      await response.body?.cancel();
      throw new SessionNotFoundError();
    }
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream') && 'id' in message && 'method' in message) {
      await this.#readStream(response, message.id, options);
      return;
    }
    const text = await response.text();
    if (!type.startsWith('application/json')) {
      throw new Error(`HTTP ${response.status} from ${this.#url.href}: ${text.slice(0, 200)}`);
    }
    const body = JSON.parse(text) as unknown;
    if (
      mayRetry &&
      isRequest(message) &&
      message.method === 'tools/call' &&
      isHeaderMismatch(body)
    ) {
      // [spec 2026-07-28] After a HeaderMismatch "the client SHOULD call tools/list to check for
      // changes to the tool's inputSchema, then retry the original request". Once. The same id
      // is free again: the server refused the first attempt before running anything.
      await this.#refreshTools(message, options);
      await this.#send(message, options, false);
      return;
    }
    for (const value of Array.isArray(body) ? body : [body]) this.#deliver(value, response.status);
  }

  /** Ends the session: [spec] "Clients that no longer need a particular session SHOULD send an HTTP DELETE." */
  async close(): Promise<void> {
    this.cutConnections();
    if (!this.#sessionId) return;
    // [spec 2025-06-18] The client MUST send MCP-Protocol-Version on all subsequent requests, DELETE included.
    const options = this.#sessionVersion ? { protocolVersion: this.#sessionVersion } : {};
    const response = await this.#fetch('DELETE', options).catch(() => undefined);
    await response?.body?.cancel();
    this.#sessionId = undefined;
  }

  /**
   * Reads a request's SSE stream until its answer arrives, resuming after
   * every drop: wait `retry`, then GET with the last event id seen.
   */
  async #readStream(first: Response, requestId: RequestId, options: SendOptions): Promise<void> {
    let response: Response | undefined = first;
    let lastEventId: string | undefined;
    let retryMs = DEFAULT_RETRY_MS;
    let answered = false;
    let fruitless = 0;
    for (;;) {
      const before = lastEventId;
      if (response) {
        let invalid: Error | undefined;
        const connection = this.#connectionOf.get(response);
        try {
          // Cut by us or given up by the caller: either way this connection is over.
          const over = options.signal
            ? AbortSignal.any([options.signal, ...(connection ? [connection.signal] : [])])
            : connection?.signal;
          await consumeEvents(response, () => answered, over, {
            onEvent: (id, data) => {
              // After a cut, events already read from the same chunk never "arrived": a cut after
              // the third event loses the fourth, however the bytes were batched on the wire.
              if (connection?.signal.aborted) return;
              if (id !== undefined) lastEventId = id;
              // A priming event has an id and empty data: it only gives us a place to resume from.
              if (data === '' || invalid) return;
              try {
                const delivered = this.#deliver(JSON.parse(data), response?.status ?? 200);
                this.#observer.onEvent?.({ requestId, eventId: id, message: delivered });
                if (!('method' in delivered) && delivered.id === requestId) answered = true;
              } catch (error) {
                invalid = error instanceof Error ? error : new Error(String(error));
              }
            },
            onRetry: (ms) => (retryMs = ms),
          });
        } catch (error) {
          // Our own cut, or the network: either way the connection is gone, the stream may not be.
          if (options.signal?.aborted) throw error;
        } finally {
          if (connection) this.#connections.delete(connection);
        }
        if (invalid) throw invalid;
      }
      if (answered || options.signal?.aborted) return;
      // 2026-07-28 streams are never resumed; a stream without ids or session cannot be.
      if (isPerRequestVersion(options.protocolVersion) || !lastEventId || !this.#sessionId) {
        throw new StreamLostError();
      }
      fruitless = lastEventId === before ? fruitless + 1 : 0;
      if (fruitless >= MAX_FRUITLESS_RESUMES)
        throw new Error(`Gave up resuming after ${fruitless} attempts`);
      this.#observer.onDisconnect?.({ lastEventId, retryMs });
      // [spec 2025-11-25] The client MUST respect the retry field, waiting the given number of milliseconds.
      await this.#wait(retryMs, options.signal);
      response = await this.#resume(lastEventId, options);
    }
  }

  /** GET with `Last-Event-ID`; `undefined` when the server could not be reached (try again later). */
  async #resume(lastEventId: string, options: SendOptions): Promise<Response | undefined> {
    let response: Response;
    try {
      response = await this.#fetch('GET', options, { lastEventId });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return undefined;
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new SessionNotFoundError();
    }
    // The SDK servers answer 409 while they still hold the cut connection, and any server can be
    // briefly unavailable: both mean "try again after retry", not "give up".
    if (response.status === 409 || response.status >= 500) {
      await response.body?.cancel();
      return undefined;
    }
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      throw new Error(
        `Resuming failed: HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`,
      );
    }
    this.#observer.onResume?.({ lastEventId });
    return response;
  }

  /**
   * Lists tools again, page after page, until the page that holds the tool
   * `call` names: its new definition replaces the stale one. The requests
   * carry the call's own `_meta` (version, client info, capabilities) and
   * ids of their own, and their answers stay here: the client core never
   * asked for them.
   */
  async #refreshTools(call: JsonRpcRequest, options: SendOptions): Promise<void> {
    const { _meta: meta } = call.params ?? {};
    const params: JsonObject = isPlainObject(meta) ? { _meta: meta } : {};
    for (;;) {
      const id = `tools-list-refresh-${++this.#refreshCount}`;
      this.#refreshes.set(id, undefined);
      let page: JsonObject | undefined;
      try {
        await this.#send({ jsonrpc: '2.0', id, method: 'tools/list', params }, options, false);
        page = this.#refreshes.get(id);
      } finally {
        this.#refreshes.delete(id);
      }
      const listed = Array.isArray(page?.tools) ? page.tools : [];
      const cursor = page?.nextCursor;
      if (listed.some((tool) => isPlainObject(tool) && tool.name === call.params?.name)) return;
      if (typeof cursor !== 'string') return;
      params.cursor = cursor;
    }
  }

  #deliver(value: unknown, status: number): JsonRpcMessage {
    const checked = checkMessage(value);
    if (!checked.ok) throw new Error(`HTTP ${status}: not a JSON-RPC message`);
    if ('error' in checked.message && checked.message.id === null) {
      throw new Error(`HTTP ${status}: ${checked.message.error.message}`);
    }
    const message = checked.message;
    const answersToolList =
      !('method' in message) && message.id !== null && this.#toolListRequests.delete(message.id);
    if (answersToolList && 'result' in message) this.#learnTools(message.result);
    if (!('method' in message) && message.id !== null && this.#refreshes.has(message.id)) {
      this.#refreshes.set(message.id, 'result' in message ? message.result : undefined);
    } else {
      this.onmessage?.(message);
    }
    return message;
  }

  /**
   * Remembers the listed tools for their `x-mcp-header` parameters, and drops
   * any whose annotations break the rules: [spec 2026-07-28] "the client MUST
   * exclude the invalid tool from the result of tools/list".
   */
  #learnTools(result: Record<string, unknown>): void {
    if (!Array.isArray(result.tools)) return;
    result.tools = (result.tools as unknown[]).filter((tool): tool is ToolDefinition => {
      if (!isPlainObject(tool) || typeof tool.name !== 'string' || !isPlainObject(tool.inputSchema))
        return false;
      try {
        mirroredParameters(tool.inputSchema);
      } catch (error) {
        console.warn(
          `Ignoring tool ${tool.name}: ${error instanceof Error ? error.message : String(error)}`,
        );
        this.#tools.delete(tool.name);
        return false;
      }
      this.#tools.set(tool.name, tool as unknown as ToolDefinition);
      return true;
    });
  }

  async #fetch(
    method: 'POST' | 'GET' | 'DELETE',
    { signal, protocolVersion }: SendOptions,
    extra: { body?: string; lastEventId?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const connection = new AbortController();
    this.#connections.add(connection);
    const headers: Record<string, string> = {
      Accept: method === 'POST' ? 'application/json, text/event-stream' : 'text/event-stream',
    };
    if (extra.body !== undefined) headers['Content-Type'] = 'application/json';
    Object.assign(headers, extra.headers);
    // Sessions belong to the handshake era; a 2026-07-28 request never carries one.
    if (this.#sessionId && !isPerRequestVersion(protocolVersion))
      headers['Mcp-Session-Id'] = this.#sessionId;
    if (protocolVersion) headers['MCP-Protocol-Version'] = protocolVersion;
    if (extra.lastEventId) headers['Last-Event-ID'] = extra.lastEventId;
    try {
      const response = await this.#fetchImpl(this.#url, {
        method,
        headers,
        ...(extra.body === undefined ? {} : { body: extra.body }),
        signal: signal ? AbortSignal.any([signal, connection.signal]) : connection.signal,
      });
      // Only a streamed answer keeps its connection registered (so cutConnections can reach it).
      if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        this.#connectionOf.set(response, connection);
      } else {
        this.#connections.delete(connection);
      }
      return response;
    } catch (error) {
      this.#connections.delete(connection);
      throw error;
    }
  }
}

/**
 * Feeds a response body through an SSE parser until it ends, or until `done()`
 * says we have what we came for (a server SHOULD end the stream after the
 * answer, but a client must not depend on it), or until `over` aborts: then it
 * throws its reason at once.
 *
 * Why not wait for the body to fail by itself once the fetch is aborted: it
 * may never do so. When the abort comes just after the last chunk of the body
 * arrived (the cut event, the rest of the stream and its end in one chunk, as
 * on a loaded machine), Node's fetch (undici) leaves the next read pending for
 * ever. The client would then never resume, and the request would time out
 * with its answer waiting in the server's store.
 */
async function consumeEvents(
  response: Response,
  done: () => boolean,
  over: AbortSignal | undefined,
  handlers: { onEvent(id: string | undefined, data: string): void; onRetry(ms: number): void },
): Promise<void> {
  const parser = createParser({
    onEvent: (event) => handlers.onEvent(event.id, event.data),
    onRetry: (ms) => handlers.onRetry(ms),
  });
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const reason = (): Error =>
    over?.reason instanceof Error ? over.reason : new Error(String(over?.reason));
  let stop: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    stop = () => reject(reason());
    over?.addEventListener('abort', stop, { once: true });
  });
  aborted.catch(() => {}); // only ever awaited in a race below
  try {
    while (!done()) {
      if (over?.aborted) throw reason();
      const { value, done: ended } = await Promise.race([reader.read(), aborted]);
      if (ended) return;
      parser.feed(value);
    }
  } finally {
    if (stop) over?.removeEventListener('abort', stop);
    await reader.cancel().catch(() => {});
  }
}

/** Whether an answer is a HeaderMismatch (-32020) error. */
function isHeaderMismatch(body: unknown): boolean {
  return (
    isPlainObject(body) && isPlainObject(body.error) && body.error.code === ErrorCode.HeaderMismatch
  );
}

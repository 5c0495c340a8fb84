/**
 * The MCP client core: ids, pending requests, progress, timeouts and
 * cancellation, in both protocol eras. Every stage's client is this class plus
 * a {@link ClientTransport}, so the stage clients differ only in how they move bytes.
 *
 * Teaches: what a client must track that HTTP does not track for it. A
 * response is matched to its request by id; progress by `progressToken`; a
 * request that hears nothing is given up after a timeout, which progress
 * resets, under a hard maximum that nothing resets.
 * Implements: "Lifecycle" (handshake era, 2024-11-05 to 2025-11-25),
 * "Versioning" and per-request `_meta` (2026-07-28), "Progress", "Cancellation"
 * and "Timeouts" (all revisions).
 * Read next: ../../01-plain-http/client.ts, the simplest transport it runs on.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#timeouts
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#meta
 * @module
 */
import {
  ErrorCode,
  JsonRpcError,
  isNotification,
  isPlainObject,
  isRequest,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from './jsonrpc.ts';
import type { Implementation } from './mcp-server.ts';
import type { CallToolResult, ToolDefinition } from './tools.ts';
import {
  LATEST_VERSION,
  MetaKey,
  isHandshakeVersion,
  isPerRequestVersion,
  type ProtocolVersion,
} from './versions.ts';

/** Options a client passes with each message it hands its transport. */
export interface SendOptions {
  /**
   * Aborted when the client gives up on this request (timeout or cancel). A
   * transport that holds a response open for it (a fetch, an SSE stream)
   * closes it; in 2026-07-28 that close *is* the cancellation.
   */
  signal?: AbortSignal;
  /** The protocol version the message is sent under, for the `MCP-Protocol-Version` header; unset before `initialize` completes. */
  protocolVersion?: ProtocolVersion;
}

/**
 * How a client moves messages. `send` delivers one message; every message that
 * comes back, however it arrives (HTTP response body, SSE event), goes to `onmessage`.
 *
 * @example
 * ```ts
 * // An in-memory transport wired straight to a server core:
 * const transport: ClientTransport = {
 *   async send(message) {
 *     const response = await server.handle(message, { send: (n) => transport.onmessage?.(n), signal, handshake });
 *     if (response) transport.onmessage?.(response);
 *   },
 * };
 * ```
 */
export interface ClientTransport {
  /**
   * Delivers one message to the server. Its promise only says whether the
   * message got through: the answer always comes back through `onmessage`,
   * from whatever channel the transport has for it (the POST's own response,
   * or an SSE stream).
   */
  send(message: JsonRpcMessage, options: SendOptions): Promise<void>;
  /** Set by {@link McpClient}: call it with every message received. */
  onmessage?: (message: JsonRpcMessage) => void;
  /**
   * Set by {@link McpClient}: call it when the transport lost the channel its
   * answers arrive on (a dropped SSE stream in stage 02). Every pending request
   * is rejected with `error`: its answer can no longer arrive.
   */
  onclose?: (error: Error) => void;
  /** Releases connections and streams. */
  close?(): Promise<void>;
}

/** One progress update, as the server reported it. */
export interface Progress {
  /** How far the work is; it grows with every update, even when `total` is unknown. */
  progress: number;
  /** Where `progress` will end, when the server knows it. */
  total?: number;
  /** A sentence for people, such as "page 3 of 10" (2025-03-26 and later). */
  message?: string;
}

/** Per-request options. */
export interface RequestOptions {
  /** Receives progress; setting it is what asks the server for progress (`_meta.progressToken`). */
  onprogress?: (progress: Progress) => void;
  /** Aborting it cancels the request. */
  signal?: AbortSignal;
  /** Give up after this long without a response or progress (ms). */
  timeoutMs?: number;
  /** Give up after this long in total, progress or not (ms). */
  maxTotalTimeoutMs?: number;
}

/** Options for {@link McpClient}. */
export interface McpClientOptions {
  /** How messages reach the server: the only part that differs between the stages. */
  transport: ClientTransport;
  /** Who the client is: sent in `initialize`, or in every request's `_meta` in 2026-07-28. */
  clientInfo: Implementation;
  /**
   * The version to speak: `'2026-07-28'` (the default) sends `_meta` on every
   * request and needs no handshake; a handshake-era version is offered in `initialize`.
   */
  protocolVersion?: ProtocolVersion;
  /** What the client declares it can do. The course's clients declare nothing. */
  capabilities?: JsonObject;
  /** Default for {@link RequestOptions.timeoutMs}: 60 s. */
  timeoutMs?: number;
  /** Default for {@link RequestOptions.maxTotalTimeoutMs}: 10 min. */
  maxTotalTimeoutMs?: number;
}

/**
 * After an `UnsupportedProtocolVersionError` (-32022) in the per-request era:
 * the newest version in the server's `supported` list that this client speaks.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#protocol-version-negotiation
 */
function versionToRetryWith(
  error: unknown,
  current: ProtocolVersion | undefined,
): ProtocolVersion | undefined {
  if (!(error instanceof JsonRpcError) || error.code !== ErrorCode.UnsupportedProtocolVersion)
    return undefined;
  if (!isPerRequestVersion(current)) return undefined;
  const supported = (error.data as { supported?: unknown } | undefined)?.supported;
  return Array.isArray(supported) ? (supported as unknown[]).find(isPerRequestVersion) : undefined;
}

/** A request that heard nothing for too long. Local: never sent by a server. */
export class RequestTimeoutError extends Error {
  constructor(
    /** The method of the request that timed out, for the message and for logs. */
    readonly method: string,
    /** The limit that ran out, in milliseconds: the idle timeout or the total maximum. */
    readonly afterMs: number,
  ) {
    super(`${method} timed out after ${afterMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

interface Pending {
  method: string;
  resolve(result: JsonObject): void;
  reject(error: unknown): void;
  onprogress?: (progress: Progress) => void;
  /** Restarts the idle timeout: progress shows the server is still working. */
  touch(): void;
}

/**
 * A transport-agnostic MCP client.
 *
 * @example
 * ```ts
 * const client = new McpClient({ transport, clientInfo: { name: 'demo', version: '1.0.0' } });
 * await client.connect();
 * const result = await client.callTool('search_issues', { query: 'stream' }, {
 *   onprogress: ({ progress, total }) => console.log(`${progress}/${total}`),
 * });
 * ```
 */
export class McpClient {
  readonly #options: McpClientOptions;
  readonly #pending = new Map<RequestId, Pending>();
  #nextId = 1;
  #protocolVersion: ProtocolVersion | undefined;
  #serverInfo: Implementation | undefined;

  constructor(options: McpClientOptions) {
    this.#options = options;
    options.transport.onmessage = (message) => this.#receive(message);
    options.transport.onclose = (error) => this.#rejectAll(error);
  }

  /** The version in use: set at once for 2026-07-28, after `initialize` for the handshake era. */
  get protocolVersion(): ProtocolVersion | undefined {
    return this.#protocolVersion;
  }

  /** Who the server said it is, from `initialize` or `server/discover`. */
  get serverInfo(): Implementation | undefined {
    return this.#serverInfo;
  }

  /**
   * Gets ready to send requests. Handshake era: `initialize`, check the
   * version the server answered, then `notifications/initialized`. 2026-07-28:
   * nothing to agree on, so nothing is sent.
   * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#initialization
   */
  async connect(): Promise<void> {
    const wanted = this.#options.protocolVersion ?? LATEST_VERSION;
    if (isPerRequestVersion(wanted)) {
      this.#protocolVersion = wanted;
      return;
    }
    const result = await this.request('initialize', {
      protocolVersion: wanted,
      capabilities: this.#options.capabilities ?? {},
      clientInfo: this.#options.clientInfo,
    });
    // The server echoes our version or counter-offers its own; "a client that
    // cannot use the returned version SHOULD disconnect".
    if (!isHandshakeVersion(result.protocolVersion)) {
      await this.close();
      throw new Error(
        `The server offered protocol version ${String(result.protocolVersion)}, which this client does not speak`,
      );
    }
    this.#protocolVersion = result.protocolVersion;
    this.#serverInfo = result.serverInfo as Implementation;
    await this.notify('notifications/initialized');
  }

  /** `server/discover` (2026-07-28): the server's versions, capabilities and identity. */
  async discover(): Promise<JsonObject> {
    const result = await this.request('server/discover');
    const meta = isPlainObject(result._meta) ? result._meta : {};
    this.#serverInfo = meta[MetaKey.serverInfo] as Implementation | undefined;
    return result;
  }

  /** `tools/list`. */
  async listTools(options?: RequestOptions): Promise<ToolDefinition[]> {
    const result = await this.request('tools/list', {}, options);
    return result.tools as ToolDefinition[];
  }

  /** `tools/call`. A tool's own failure comes back as a result with `isError: true`, not as a rejection. */
  async callTool(
    name: string,
    args: JsonObject,
    options?: RequestOptions,
  ): Promise<CallToolResult> {
    return (await this.request(
      'tools/call',
      { name, arguments: args },
      options,
    )) as unknown as CallToolResult;
  }

  /**
   * Sends a request and waits for its result.
   * @throws {@link shared/protocol/jsonrpc!JsonRpcError} for an error response, {@link RequestTimeoutError}
   *   on timeout, the signal's reason on cancellation, or whatever the transport threw.
   */
  async request(
    method: string,
    params: JsonObject = {},
    options: RequestOptions = {},
  ): Promise<JsonObject> {
    try {
      return await this.#send(method, params, options);
    } catch (error) {
      // 2026-07-28: "the client SHOULD retry with a version both sides support". Once, with a new id.
      const retryWith = versionToRetryWith(error, this.#protocolVersion);
      if (!retryWith) throw error;
      this.#protocolVersion = retryWith;
      return this.#send(method, params, options);
    }
  }

  #send(method: string, params: JsonObject, options: RequestOptions): Promise<JsonObject> {
    const id = this.#nextId++;
    const meta: JsonObject = isPlainObject(params._meta) ? { ...params._meta } : {};
    // The request id doubles as the progress token: both must be unique among active requests.
    if (options.onprogress) meta.progressToken = id;
    if (isPerRequestVersion(this.#protocolVersion)) {
      meta[MetaKey.protocolVersion] = this.#protocolVersion;
      meta[MetaKey.clientCapabilities] = this.#options.capabilities ?? {};
      meta[MetaKey.clientInfo] = this.#options.clientInfo;
    }
    const message: JsonRpcRequest = {
      jsonrpc: '2.0',
      id,
      method,
      params: Object.keys(meta).length ? { ...params, _meta: meta } : params,
    };
    return this.#track(message, options);
  }

  /** Sends a notification (no answer expected). */
  async notify(method: string, params?: JsonObject): Promise<void> {
    await this.#options.transport.send(
      { jsonrpc: '2.0', method, ...(params ? { params } : {}) },
      this.#sendOptions(),
    );
  }

  /** Rejects everything still pending and closes the transport. */
  async close(): Promise<void> {
    this.#rejectAll(new Error('Client closed'));
    await this.#options.transport.close?.();
  }

  #rejectAll(error: Error): void {
    for (const pending of [...this.#pending.values()]) pending.reject(error);
  }

  #track(message: JsonRpcRequest, options: RequestOptions): Promise<JsonObject> {
    const { method, id } = message;
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? 60_000;
    const maxTotalMs = options.maxTotalTimeoutMs ?? this.#options.maxTotalTimeoutMs ?? 600_000;
    // Aborting this tells the transport to drop whatever it holds open for the request.
    const transportAbort = new AbortController();

    return new Promise<JsonObject>((resolve, reject) => {
      let idleTimer: NodeJS.Timeout | undefined;
      const cleanUp = (): void => {
        clearTimeout(idleTimer);
        clearTimeout(totalTimer);
        options.signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const giveUp = (reason: unknown): void => {
        if (!this.#pending.has(id)) return;
        cleanUp();
        transportAbort.abort(reason);
        reject(reason);
        this.#sendCancelled(id, reason);
      };
      const onAbort = (): void => giveUp(options.signal?.reason);
      const totalTimer = setTimeout(
        () => giveUp(new RequestTimeoutError(method, maxTotalMs)),
        maxTotalMs,
      );
      const touch = (): void => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => giveUp(new RequestTimeoutError(method, timeoutMs)), timeoutMs);
      };

      this.#pending.set(id, {
        method,
        resolve: (result) => (cleanUp(), resolve(result)),
        reject: (error) => (cleanUp(), reject(error)),
        onprogress: options.onprogress,
        touch,
      });
      touch();
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });

      this.#options.transport
        .send(message, this.#sendOptions(transportAbort.signal))
        .catch((error: unknown) => this.#pending.get(id)?.reject(error));
    });
  }

  /**
   * Handshake era: tell the server to stop (`notifications/cancelled`).
   * 2026-07-28 over HTTP: closing the stream (done by the transport) is the
   * cancellation, and no notification is expected.
   */
  #sendCancelled(requestId: RequestId, reason: unknown): void {
    if (!isHandshakeVersion(this.#protocolVersion)) return;
    const text = reason instanceof Error ? reason.message : String(reason);
    // Best effort: if the server is unreachable there is nobody left to cancel.
    this.notify('notifications/cancelled', { requestId, reason: text }).catch(() => {});
  }

  #sendOptions(signal?: AbortSignal): SendOptions {
    return {
      ...(signal ? { signal } : {}),
      ...(this.#protocolVersion ? { protocolVersion: this.#protocolVersion } : {}),
    };
  }

  #receive(message: JsonRpcMessage): void {
    if (isNotification(message)) {
      if (message.method === 'notifications/progress') this.#receiveProgress(message.params ?? {});
      return;
    }
    if (isRequest(message)) {
      this.#answerServerRequest(message);
      return;
    }
    this.#receiveResponse(message);
  }

  #receiveResponse(response: JsonRpcResponse): void {
    // A response to a request we gave up on (or never sent) is ignored, as the spec asks.
    const pending = response.id === null ? undefined : this.#pending.get(response.id);
    if (!pending) return;
    if ('error' in response) {
      const { code, message, data } = response.error;
      pending.reject(new JsonRpcError(code, message, data));
      return;
    }
    // 2026-07-28: a missing resultType means "complete"; an unknown one is invalid.
    const resultType = response.result.resultType ?? 'complete';
    if (resultType !== 'complete') {
      pending.reject(
        new Error(`${pending.method}: unsupported resultType ${JSON.stringify(resultType)}`),
      );
      return;
    }
    pending.resolve(response.result);
  }

  #receiveProgress(params: JsonObject): void {
    const { progressToken, progress, total, message } = params;
    if (typeof progressToken !== 'string' && typeof progressToken !== 'number') return;
    const pending = this.#pending.get(progressToken);
    if (!pending || typeof progress !== 'number') return;
    pending.touch();
    pending.onprogress?.({
      progress,
      ...(typeof total === 'number' ? { total } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    });
  }

  /** Handshake-era servers may ping us; we answer pings and refuse everything else. */
  #answerServerRequest(request: JsonRpcRequest): void {
    const response: JsonRpcResponse =
      request.method === 'ping'
        ? { jsonrpc: '2.0', id: request.id, result: {} }
        : {
            jsonrpc: '2.0',
            id: request.id,
            error: {
              code: ErrorCode.MethodNotFound,
              message: `Method not found: ${request.method}`,
            },
          };
    this.#options.transport.send(response, this.#sendOptions()).catch(() => {});
  }
}

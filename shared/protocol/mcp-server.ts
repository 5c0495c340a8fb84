/**
 * The MCP server core: what a server does with one JSON-RPC message, whatever
 * carried it. Every stage's transport hands messages to this class.
 *
 * Teaches: the seam between protocol and transport. The core knows methods,
 * versions, tools, progress and cancellation; it knows nothing about HTTP.
 * A transport gives it one message, a way to send messages back while the
 * request runs, and an AbortSignal, and maps the answer onto its wire.
 * Implements both eras of MCP:
 * - handshake era (2024-11-05 to 2025-11-25): `initialize` with version
 *   negotiation by counter-offer, `notifications/initialized`, `ping`,
 *   `notifications/cancelled`;
 * - revision 2026-07-28: every request carries its version and client
 *   capabilities in `_meta`, `server/discover`, `resultType` on every result.
 * Read next: tools.ts and ../demo/demo-tools.ts (what the core runs), then a
 * stage's server, starting with ../../01-plain-http/server.ts.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning
 * @module
 */
import {
  ErrorCode,
  JsonRpcError,
  errorResponse,
  isPlainObject,
  isRequest,
  type JsonObject,
  type JsonRpcErrorObject,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from './jsonrpc.ts';
import { cancellationOf, linkedController, reusedIdError } from './cancellation.ts';
import {
  limitRefusal,
  limitsWith,
  serialisedBytes,
  type Limits,
  type RefusingLimit,
} from '../limits.ts';
import type { HandshakeState } from './handshake-state.ts';
import { ToolRegistry, type CallToolResult, type Tool, type ToolContext } from './tools.ts';
import {
  HANDSHAKE_VERSIONS,
  LATEST_HANDSHAKE_VERSION,
  MetaKey,
  PER_REQUEST_VERSIONS,
  SUPPORTED_VERSIONS,
  isHandshakeVersion,
  isPerRequestVersion,
  type ProtocolVersion,
} from './versions.ts';

/** Name and version of an MCP implementation (`serverInfo`, `clientInfo`). */
export interface Implementation {
  /** A stable identifier for programs, such as `mcp-transports-course/03-streamable-http`. */
  name: string;
  /** The implementation's own version, not the protocol's: for logs and bug reports. */
  version: string;
  /** A name for people (2025-06-18 and later). */
  title?: string;
}

/** Options for {@link McpServer}. */
export interface McpServerOptions {
  /** Who the server is: in the `initialize` result, or in every result's `_meta` in 2026-07-28. */
  serverInfo: Implementation;
  /** Everything `tools/list` offers; their input schemas are compiled once, here. */
  tools: ReadonlyArray<Tool<never>>;
  /** Guidance for the model on how to use this server. */
  instructions?: string;
  /**
   * How long (ms) a 2026-07-28 client may cache `tools/list` and `server/discover`.
   * The tool list never changes while the server runs, so the default is an hour.
   * @see https://modelcontextprotocol.io/specification/2026-07-28/server/utilities/caching
   */
  ttlMs?: number;
  /** Called with every unexpected error (a bug, not bad input): production logs it, tests observe it. */
  onError?: (error: unknown) => void;
  /**
   * Limits on what a client may make the server hold (../limits.ts); the core
   * enforces the size of a tool's arguments and of its result. The defaults by default.
   */
  limits?: Partial<Limits>;
}

/** What a transport hands the core with each message, whatever the era. */
export interface MessageChannel {
  /**
   * Sends a message to the client while the request runs (progress). The core
   * calls it only before it returns the request's response, never after.
   */
  send(message: JsonRpcNotification): void;
  /**
   * Aborted by the transport when the request's result can no longer be
   * delivered, or (2026-07-28) when the client closed the response stream.
   */
  signal: AbortSignal;
}

/**
 * What a transport hands the core with each message: the channel back, and
 * the era that serves it. The transport always states the era (on HTTP the
 * POST rules decide it: a `MCP-Protocol-Version: 2026-07-28` header makes a
 * request per-request even when its `_meta` is missing, which the core then
 * answers -32602, not -32601). Only the handshake era has state to hand over.
 */
export type MessageContext = MessageChannel &
  (
    | {
        /** Served by the handshake: the version and capabilities `initialize` agreed. */
        era: 'handshake';
        /**
         * The handshake-era state of the connection or session the message
         * belongs to. A transport with sessions keeps one per session; one
         * without makes a new one per HTTP request.
         */
        handshake: HandshakeState;
      }
    | {
        /** Served per request (2026-07-28): the request carries all it needs in `_meta`. */
        era: 'per-request';
      }
  );

/** The two eras of MCP: the handshake (2024-11-05 to 2025-11-25) and per-request (2026-07-28). */
export type Era = 'handshake' | 'per-request';

/**
 * Which era a request belongs to: one whose `params._meta` carries the 2026
 * per-request fields is served per request; anything else (an `initialize`
 * first of all) is handshake-era.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#backward-compatibility-with-initialization-based-versions
 */
export function eraOf(message: JsonRpcMessage): Era {
  const meta = isRequest(message) ? requestMeta(message) : undefined;
  return meta && (MetaKey.protocolVersion in meta || MetaKey.clientCapabilities in meta)
    ? 'per-request'
    : 'handshake';
}

/** A request's `params._meta`, if it has one. */
export function requestMeta(request: JsonRpcRequest): JsonObject | undefined {
  const meta = request.params?._meta;
  return isPlainObject(meta) ? meta : undefined;
}

/** The server capabilities the course declares: tools, and nothing else. */
const CAPABILITIES = { tools: { listChanged: false } };

/** Methods of the handshake era that the core answers. */
const HANDSHAKE_METHODS = new Set(['initialize', 'ping', 'tools/list', 'tools/call']);

/** Methods of revision 2026-07-28 that the core answers (`initialize`, `ping`, `logging/setLevel` are gone). */
const PER_REQUEST_METHODS = new Set(['server/discover', 'tools/list', 'tools/call']);

/**
 * A transport-agnostic MCP server that offers tools, in both protocol eras.
 *
 * @example
 * ```ts
 * const { tools } = createDemoTools();
 * const server = new McpServer({ serverInfo: { name: 'demo', version: '1.0.0' }, tools });
 * const handshake = new HandshakeState();
 * const response = await server.handle(
 *   { jsonrpc: '2.0', id: 1, method: 'tools/list' },
 *   { send: () => {}, signal: new AbortController().signal, era: 'handshake', handshake },
 * );
 * ```
 */
export class McpServer {
  readonly #options: McpServerOptions;
  readonly #tools: ToolRegistry;
  readonly #limits: Limits;

  constructor(options: McpServerOptions) {
    this.#options = options;
    this.#tools = new ToolRegistry(options.tools);
    this.#limits = limitsWith(options.limits);
  }

  /** The tool with this name, if the server offers it (transports read its `longRunning` hint). */
  findTool(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  /**
   * Handles one incoming message.
   * @returns the response owed for a request; `undefined` for a notification, a
   *   response, or a request that was cancelled (a cancelled request gets no answer).
   */
  async handle(
    message: JsonRpcMessage,
    context: MessageContext,
  ): Promise<JsonRpcResponse | undefined> {
    if (!isRequest(message)) {
      // 2026-07-28 "defines no client-to-server notifications over Streamable HTTP": nothing to do.
      if ('method' in message && context.era === 'handshake')
        this.#handleNotification(message, context.handshake);
      // The course's servers send no requests, so a response from the client answers nothing.
      return undefined;
    }
    // One controller per request: the transport's signal and (handshake era)
    // notifications/cancelled both abort it.
    const { controller, release } = linkedController(context.signal);
    const { signal } = controller;
    const untrack =
      context.era === 'handshake'
        ? context.handshake.inFlight.track(message.id, controller)
        : undefined;
    if (context.era === 'handshake' && !untrack) {
      // The id is still running in this session: refused, so the running request stays cancellable.
      release();
      return reusedIdError(message.id);
    }
    let finished = false;
    const send = (notification: JsonRpcNotification): void => {
      // "Progress notifications MUST stop after completion": nothing leaves once we answered or were cancelled.
      if (!finished && !signal.aborted) context.send(notification);
    };
    try {
      const result =
        context.era === 'per-request'
          ? await this.#handlePerRequest(message, send, signal)
          : await this.#handleHandshake(message, send, signal, context.handshake);
      return signal.aborted ? undefined : { jsonrpc: '2.0', id: message.id, result };
    } catch (error) {
      if (signal.aborted) return undefined;
      if (error instanceof JsonRpcError)
        return errorResponse(message.id, error.code, error.message, error.data);
      this.#options.onError?.(error);
      return errorResponse(message.id, ErrorCode.InternalError, 'Internal error');
    } finally {
      finished = true;
      untrack?.();
      release();
    }
  }

  // ── Handshake era (2024-11-05 .. 2025-11-25) ──────────────────────────────

  async #handleHandshake(
    request: JsonRpcRequest,
    send: (n: JsonRpcNotification) => void,
    signal: AbortSignal,
    handshake: HandshakeState,
  ): Promise<JsonObject> {
    if (!HANDSHAKE_METHODS.has(request.method)) throw methodNotFound(request.method);
    const params = request.params ?? {};
    switch (request.method) {
      case 'initialize':
        return this.#initialize(params, handshake);
      case 'ping':
        // "The receiver MUST respond promptly with an empty response."
        return {};
      case 'tools/list':
        checkCursor(params);
        return { tools: this.#tools.list() };
      default: // tools/call
        return this.#callTool(
          params,
          send,
          signal,
          handshake.protocolVersion,
          handshake.clientCapabilities,
        );
    }
  }

  /**
   * Version negotiation: echo the client's version if we support it, otherwise
   * counter-offer our newest in a *successful* result (not an error). The
   * client decides whether it can live with the counter-offer.
   * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#version-negotiation
   */
  #initialize(params: JsonObject, handshake: HandshakeState): JsonObject {
    if (typeof params.protocolVersion !== 'string') {
      throw new JsonRpcError(
        ErrorCode.InvalidParams,
        'initialize needs params.protocolVersion (a string)',
      );
    }
    const protocolVersion = isHandshakeVersion(params.protocolVersion)
      ? params.protocolVersion
      : LATEST_HANDSHAKE_VERSION;
    handshake.negotiated(protocolVersion, params.capabilities, params.clientInfo);
    const { instructions, serverInfo } = this.#options;
    return {
      protocolVersion,
      capabilities: CAPABILITIES,
      serverInfo,
      ...(instructions === undefined ? {} : { instructions }),
    };
  }

  #handleNotification(notification: JsonRpcNotification, handshake: HandshakeState): void {
    switch (notification.method) {
      case 'notifications/initialized':
        handshake.initialized = true;
        return;
      case 'notifications/cancelled': {
        // "The receiver SHOULD stop work and send no response"; unknown or finished ids are ignored.
        const cancellation = cancellationOf(notification);
        if (cancellation)
          handshake.inFlight.cancel(
            cancellation.requestId,
            cancellation.reason ?? 'cancelled by the client',
          );
        return;
      }
      default:
        // Unknown notifications are ignored: a notification is never answered, not even with an error.
        return;
    }
  }

  // ── Revision 2026-07-28: no handshake, every request self-contained ──────

  async #handlePerRequest(
    request: JsonRpcRequest,
    send: (n: JsonRpcNotification) => void,
    signal: AbortSignal,
  ): Promise<JsonObject> {
    const version = readRequestMeta(request);
    if (!PER_REQUEST_METHODS.has(request.method)) throw methodNotFound(request.method);
    const params = request.params ?? {};
    const { serverInfo, instructions, ttlMs = 3_600_000 } = this.#options;
    let result: JsonObject;
    switch (request.method) {
      case 'server/discover':
        result = {
          supportedVersions: SUPPORTED_VERSIONS,
          capabilities: CAPABILITIES,
          ...(instructions === undefined ? {} : { instructions }),
          ttlMs,
          cacheScope: 'public',
        };
        break;
      case 'tools/list':
        checkCursor(params);
        // "MUST NOT vary per connection", "SHOULD be in a deterministic order": the registry sorts by name.
        result = { tools: this.#tools.list(), ttlMs, cacheScope: 'public' };
        break;
      default: // tools/call
        result = await this.#callTool(params, send, signal, version, clientCapabilities(request));
    }
    // Every result says what it is, and who answered, "without relying on any prior connection state".
    const meta = isPlainObject(result._meta) ? result._meta : {};
    return {
      ...result,
      resultType: 'complete',
      _meta: { ...meta, [MetaKey.serverInfo]: serverInfo },
    };
  }

  // ── Both eras ─────────────────────────────────────────────────────────────

  async #callTool(
    params: JsonObject,
    send: (n: JsonRpcNotification) => void,
    signal: AbortSignal,
    version: ProtocolVersion,
    declared: JsonObject,
  ): Promise<JsonObject> {
    const { name, arguments: args = {} } = params;
    if (typeof name !== 'string')
      throw new JsonRpcError(ErrorCode.InvalidParams, 'tools/call needs params.name (a string)');
    if (!isPlainObject(args))
      throw new JsonRpcError(
        ErrorCode.InvalidParams,
        'tools/call params.arguments must be an object',
      );
    // Before anything copies or validates them: what a client sends, the server holds while the tool runs.
    if (serialisedBytes(args) > this.#limits.maxToolArgumentsBytes) {
      const { code, message, data } = limitRefusal('maxToolArgumentsBytes', this.#limits);
      throw new JsonRpcError(code, message, data);
    }
    const tool = this.#tools.get(name);
    // A tool that does not exist is a protocol error: the request cannot be routed.
    if (!tool) throw new JsonRpcError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);

    // "A server MUST NOT rely on capabilities the client has not declared."
    const missing = missingCapabilities(tool.requiredClientCapabilities, declared);
    if (missing) {
      throw new JsonRpcError(
        ErrorCode.MissingRequiredClientCapability,
        `${name} needs client capabilities the client did not declare: ${Object.keys(missing).join(', ')}`,
        { requiredCapabilities: missing },
      );
    }

    // Bad arguments are a tool execution error (2025-11-25): the model reads it and can correct itself.
    const checked = this.#tools.checkArguments(name, args);
    if (!checked.ok) return toolError(checked.message);

    const context: ToolContext = {
      signal,
      sendProgress: progressSender(params, send, version),
    };
    let result: CallToolResult;
    try {
      result = await tool.run(checked.args, context);
    } catch (error) {
      if (signal.aborted) throw error;
      return toolError(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    // A result too large to send is the tool's failure, not the request's: a tool error the model can read.
    const { maxToolResultBytes } = this.#limits;
    const bytes = serialisedBytes(result);
    if (bytes > maxToolResultBytes) {
      return toolError(
        `${name} returned a result too large to send: ${bytes} bytes ` +
          `(maxToolResultBytes = ${maxToolResultBytes})`,
      );
    }
    return { ...result };
  }
}

/**
 * What the -32602 for a malformed 2026-07-28 request carries: the required
 * `_meta` fields it lacks. [spec 2026-07-28] Such a request "is malformed" and
 * gets HTTP 400; transports tell it by this `data` from the other -32602s (an
 * unknown tool, a bad cursor), which answer a request the server understood.
 */
export interface MissingMetaData {
  /** The `_meta` keys that are missing or not of their type. */
  missingMeta: string[];
}

/** True for the -32602 of a request whose `_meta` lacks a required field. */
export function isMissingMetaError(error: JsonRpcErrorObject): boolean {
  const data = error.data as Partial<MissingMetaData> | undefined;
  return error.code === ErrorCode.InvalidParams && Array.isArray(data?.missingMeta);
}

/** What the error for a request refused by a limit carries (limitRefusal in ../limits.ts). */
export interface LimitErrorData {
  /** The limit the request met. */
  limit: RefusingLimit;
  /** Its value on this server. */
  value: number;
}

/**
 * True for the -32602 of a request the core refused for its size (its tool
 * arguments): a request the server understood, and will not take.
 */
export function isLimitError(
  error: JsonRpcErrorObject,
): error is JsonRpcErrorObject & { data: LimitErrorData } {
  const data = error.data as Partial<LimitErrorData> | undefined;
  return (
    error.code === ErrorCode.InvalidParams &&
    typeof data?.limit === 'string' &&
    typeof data.value === 'number'
  );
}

/**
 * Checks the per-request `_meta` fields of revision 2026-07-28.
 * @returns the request's protocol version.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#meta
 */
function readRequestMeta(request: JsonRpcRequest): ProtocolVersion {
  const meta = requestMeta(request) ?? {};
  const version = meta[MetaKey.protocolVersion];
  // "A request missing any required field is malformed": -32602, naming every field it lacks.
  const missingMeta = [
    ...(typeof version === 'string' ? [] : [MetaKey.protocolVersion]),
    ...(isPlainObject(meta[MetaKey.clientCapabilities]) ? [] : [MetaKey.clientCapabilities]),
  ];
  if (missingMeta.length) {
    const data: MissingMetaData = { missingMeta };
    throw new JsonRpcError(
      ErrorCode.InvalidParams,
      `_meta is missing ${missingMeta.map((key) => `"${key}"`).join(' and ')}`,
      data,
    );
  }
  if (!isPerRequestVersion(version)) {
    // `supported` lists only what this request can name in `_meta`: a client that
    // retries with a version from it must not meet this refusal again. The
    // handshake-era versions are served too, but only through `initialize`.
    throw new JsonRpcError(
      ErrorCode.UnsupportedProtocolVersion,
      `Unsupported protocol version ${String(version)} in _meta: per-request _meta names ` +
        `${PER_REQUEST_VERSIONS.join(', ')}; ${HANDSHAKE_VERSIONS.join(', ')} are served ` +
        'only after an initialize handshake',
      { supported: PER_REQUEST_VERSIONS, requested: version },
    );
  }
  return version;
}

/** The `clientCapabilities` a 2026-07-28 request declared in its `_meta`. */
function clientCapabilities(request: JsonRpcRequest): JsonObject {
  const declared = requestMeta(request)?.[MetaKey.clientCapabilities];
  return isPlainObject(declared) ? declared : {};
}

/**
 * The capabilities a tool needs that the client did not declare, as a
 * `ClientCapabilities` object (what -32021 carries), or `undefined` if none.
 */
function missingCapabilities(
  required: JsonObject | undefined,
  declared: JsonObject,
): JsonObject | undefined {
  const missing = Object.entries(required ?? {}).filter(
    ([capability]) => !(capability in declared),
  );
  return missing.length ? Object.fromEntries(missing) : undefined;
}

/**
 * Builds the tool's `sendProgress`: a no-op without a `progressToken`, and a
 * guard for the rule that progress must increase with every notification.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/progress
 */
function progressSender(
  params: JsonObject,
  send: (n: JsonRpcNotification) => void,
  version: ProtocolVersion,
): ToolContext['sendProgress'] {
  const meta = isPlainObject(params._meta) ? params._meta : {};
  const token = meta.progressToken;
  if (typeof token !== 'string' && typeof token !== 'number') return () => {};
  let last = -Infinity;
  return (progress, total, message) => {
    if (!(progress > last)) {
      throw new RangeError(
        `progress must increase with every notification (${progress} after ${last})`,
      );
    }
    last = progress;
    send({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: {
        progressToken: token,
        progress,
        ...(total === undefined ? {} : { total }),
        // `message` arrived in 2025-03-26; a 2024-11-05 peer does not expect it.
        ...(message === undefined || version === '2024-11-05' ? {} : { message }),
      },
    });
  };
}

/** Our tool list fits on one page; only "start from the beginning" cursors are valid. */
function checkCursor(params: JsonObject): void {
  // 2026-07-28: "an empty-string cursor is valid"; anything else we never issued is invalid.
  if (params.cursor !== undefined && params.cursor !== '') {
    throw new JsonRpcError(ErrorCode.InvalidParams, 'Invalid cursor');
  }
}

function methodNotFound(method: string): JsonRpcError {
  return new JsonRpcError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
}

function toolError(text: string): CallToolResult & JsonObject {
  return { content: [{ type: 'text', text }], isError: true };
}

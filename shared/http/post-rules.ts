/**
 * The rules every MCP endpoint applies to a POST before the core sees its
 * message, and the answer owed when one fails: one module, so stage 01 and
 * stage 03 cannot answer the same bad request in two ways.
 *
 * Teaches: what a transport decides on its own. Before any method runs, the
 * POST must accept both answer types, carry JSON-RPC, name a version the
 * server speaks, and, in revision 2026-07-28, mirror its body in headers that
 * agree with it. The same checks decide which era serves the request: a
 * `MCP-Protocol-Version: 2026-07-28` header or the 2026 `_meta` fields make it
 * per-request; anything else (`initialize` first of all) is handshake-era.
 * Each outcome is a value: rejected (an HTTP status and a JSON-RPC error), or
 * accepted (the era, the message or batch, the version the header names).
 * Implements: Streamable HTTP "Sending Messages to the Server" (revisions
 * 2025-03-26 to 2026-07-28), "Protocol Version Header" (2025-06-18 on),
 * batching (2025-03-26 only), and in 2026-07-28 "Request Metadata" and
 * "Backward Compatibility with Initialization-Based Versions".
 * Read next: request-metadata.ts (the 2026 header comparison); then
 * ../../01-plain-http/server.ts (handlePost), the shortest user of these rules.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#request-metadata
 * @module
 */
import { bodyText } from './body.ts';
import { limitRefusal, type Limits } from '../limits.ts';
import { headerMismatch } from './request-metadata.ts';
import {
  ErrorCode,
  errorResponse,
  isRequest,
  parseJsonRpc,
  type CheckedMessage,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type RequestId,
} from '../protocol/jsonrpc.ts';
import { eraOf, requestMeta } from '../protocol/mcp-server.ts';
import type { ToolDefinition } from '../protocol/tools.ts';
import {
  MetaKey,
  SUPPORTED_VERSIONS,
  isHandshakeVersion,
  isPerRequestVersion,
  isSupportedVersion,
  type HandshakeVersion,
  type ProtocolVersion,
} from '../protocol/versions.ts';

/** The parts of an HTTP request the rules read: express's `Request` is one. */
export interface IncomingPost {
  /** One request header by name (case-insensitive); `undefined` when absent. */
  get(name: string): string | undefined;
  /** The body as `readJsonBody` (body.ts) left it: a string, or nothing. */
  body?: unknown;
}

/** Where the 2026 header checks find a tool's `x-mcp-header` parameters: `McpServer` is one. */
export interface ToolLookup {
  /** The tool with this name, if the server offers it. */
  findTool(name: string): ToolDefinition | undefined;
}

/** A POST the rules refuse: the status and the JSON-RPC error to answer it with. */
export interface PostRejection {
  ok: false;
  /** The HTTP status: 406 or 400. */
  status: number;
  /** The body: a JSON-RPC error with the request's id when it has one, `null` otherwise. */
  error: JsonRpcErrorResponse;
}

/**
 * The version a handshake-era POST's `MCP-Protocol-Version` header names;
 * `undefined` without one. [spec 2025-06-18+] Without it, and with "no other
 * way to identify the version", assume 2025-03-26: a session may know better,
 * so the caller decides.
 */
export type HeaderVersion = HandshakeVersion | undefined;

/**
 * What {@link checkPost} accepted: the era that serves it (the handshake era
 * for 2024-11-05 to 2025-11-25, per-request for 2026-07-28), and the message or batch.
 */
export type AcceptedPost =
  | {
      ok: true;
      era: 'handshake';
      version: HeaderVersion;
      batch: false;
      message: JsonRpcMessage;
    }
  | {
      ok: true;
      era: 'handshake';
      version: HeaderVersion;
      /** A 2025-03-26 batch. */
      batch: true;
      /** Each entry's verdict, in the order sent; `initialize` inside one is already refused. */
      entries: CheckedMessage[];
    }
  | {
      ok: true;
      /** Revision 2026-07-28: the request carries its version and capabilities in `_meta`. */
      era: 'per-request';
      /** Revision 2026-07-28 has no batches. */
      batch: false;
      /** The message; for a request, its headers were checked against it. */
      message: JsonRpcMessage;
    };

/** What {@link checkPost} decided. */
export type PostOutcome = PostRejection | AcceptedPost;

/** The media types a client must accept on a POST. */
const REQUIRED_ACCEPT = ['application/json', 'text/event-stream'];

/**
 * Applies every rule to a POST whose body `readJsonBody` has read (which
 * already answered 415 and 413), in the order that gives each failure its
 * own answer: `Accept` (406), JSON-RPC (400, -32700 or -32600; the
 * `maxJsonDepth` limit, -32602), the version header (400, -32022), batches
 * (400, -32600: the revision, then the `maxBatchSize` limit), then for a
 * 2026-07-28 request the metadata headers (400, -32020).
 *
 * @example
 * ```ts
 * const post = checkPost(req, mcp, limits);
 * if (!post.ok) return sendJsonRpcError(res, post.status, post.error);
 * if (post.era === 'per-request') ... // no handshake state: the request carries it
 * ```
 */
export function checkPost(req: IncomingPost, tools: ToolLookup, limits: Limits): PostOutcome {
  const accepted = acceptList(req);
  if (!REQUIRED_ACCEPT.every((type) => accepted.includes(type))) {
    // [spec] "The client MUST include an Accept header, listing both application/json and
    // text/event-stream"; the spec names no status for a client that does not: 406 is the SDK's.
    return reject(
      406,
      errorResponse(
        null,
        ErrorCode.InvalidRequest,
        `Not Acceptable: Accept must list ${REQUIRED_ACCEPT.join(' and ')}`,
      ),
    );
  }
  // Batches are parsed in every revision so that refusing one can name the version that forbids it.
  const parsed = parseJsonRpc(bodyText(req), { allowBatch: true, limits });
  if (!parsed.ok) return reject(400, parsed.error);

  const id: RequestId | null =
    !parsed.batch && isRequest(parsed.message) ? parsed.message.id : null;
  const checked = checkVersionHeader(req, id);
  if (!checked.ok) return checked;
  const { header } = checked;
  const version = isHandshakeVersion(header) ? header : undefined;

  if (parsed.batch) {
    // A batch of 2026-07-28 requests names its revision in `_meta`, not in a header: without this,
    // the 2025-03-26 default would send it to the handshake era, which asks for a session.
    const perRequest = parsed.entries.some(
      (entry) => entry.ok && eraOf(entry.message) === 'per-request',
    );
    // Without a header, the 2025-03-26 default: the one revision with batches.
    const refused = checkBatch(perRequest ? '2026-07-28' : (header ?? '2025-03-26'));
    if (refused) return refused;
    if (parsed.entries.length > limits.maxBatchSize) {
      const refusal = limitRefusal('maxBatchSize', limits);
      return reject(
        refusal.status,
        errorResponse(null, refusal.code, refusal.message, refusal.data),
      );
    }
    return {
      ok: true,
      era: 'handshake',
      version,
      batch: true,
      entries: parsed.entries.map(refuseInitialize),
    };
  }

  const { message } = parsed;
  // [spec 2026-07-28] Backward compatibility: the request itself says which era serves it.
  if (isPerRequestVersion(header) || eraOf(message) === 'per-request') {
    if (isRequest(message)) {
      const mismatch = checkRequestMetadata(req, message, tools);
      // [spec] Header validation failures: "400 Bad Request" and -32020 (HeaderMismatch).
      if (mismatch) {
        return reject(
          400,
          errorResponse(message.id, ErrorCode.HeaderMismatch, `Header mismatch: ${mismatch}`),
        );
      }
    }
    return { ok: true, era: 'per-request', batch: false, message };
  }
  return { ok: true, era: 'handshake', version, batch: false, message };
}

/**
 * The `MCP-Protocol-Version` rule, for every request a Streamable HTTP
 * endpoint gets (POST, GET and DELETE alike): an invalid or unsupported value
 * is refused with 400 and -32022, whose `data` says what the server speaks.
 * @param id the request's id, echoed in the refusal; `null` where there is none to read.
 * @returns the version the header names (`undefined` without one), or the refusal.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#protocol-version-header
 */
export function checkVersionHeader(
  req: Pick<IncomingPost, 'get'>,
  id: RequestId | null = null,
): PostRejection | { ok: true; header: ProtocolVersion | undefined } {
  const header = req.get('mcp-protocol-version')?.trim();
  if (header === undefined || isSupportedVersion(header)) return { ok: true, header };
  // [spec 2025-06-18+] "an invalid or unsupported MCP-Protocol-Version, it MUST respond with 400".
  return reject(
    400,
    errorResponse(
      id,
      ErrorCode.UnsupportedProtocolVersion,
      `Unsupported protocol version: ${header}`,
      {
        supported: SUPPORTED_VERSIONS,
        requested: header,
      },
    ),
  );
}

/**
 * The batch rule of one revision: 400 and -32600 unless it is 2025-03-26.
 * Stage 03 applies it again with a session's negotiated version, when no
 * header named one.
 * @returns the rejection, or `undefined` when the revision has batches.
 * @see https://modelcontextprotocol.io/specification/2025-03-26/basic#batching
 */
export function checkBatch(version: ProtocolVersion): PostRejection | undefined {
  // [spec 2025-03-26] Batches MUST be accepted; 2025-06-18 removed them, and 2026-07-28 has none.
  if (version === '2025-03-26') return undefined;
  return reject(
    400,
    errorResponse(
      null,
      ErrorCode.InvalidRequest,
      `Invalid Request: batches exist only in 2025-03-26, not in ${version}`,
    ),
  );
}

/**
 * The media types the client listed in `Accept`, lower-cased, without
 * parameters (`application/json;q=0.9` lists `application/json`).
 */
export function acceptList(req: Pick<IncomingPost, 'get'>): string[] {
  return (req.get('accept') ?? '')
    .split(',')
    .map((type) => type.split(';')[0]!.trim().toLowerCase());
}

function reject(status: number, error: JsonRpcErrorResponse): PostRejection {
  return { ok: false, status, error };
}

/** One batch entry: `initialize` inside a batch is refused for that entry alone. */
function refuseInitialize(entry: CheckedMessage): CheckedMessage {
  if (!entry.ok || !isRequest(entry.message) || entry.message.method !== 'initialize') return entry;
  // [spec 2025-03-26] "The initialize request MUST NOT be part of a JSON-RPC batch."
  return {
    ok: false,
    error: errorResponse(
      entry.message.id,
      ErrorCode.InvalidRequest,
      'Invalid Request: initialize must not be part of a batch',
    ),
  };
}

/**
 * The 2026-07-28 header checks, in the order that gives each failure its own
 * reason: the version header must be there and equal `_meta`'s (a missing
 * `_meta` version is left to the core, which answers -32602), then
 * `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*` against the body.
 * @returns why the headers disagree with the body, or `undefined` when they agree.
 */
function checkRequestMetadata(
  req: IncomingPost,
  request: JsonRpcRequest,
  tools: ToolLookup,
): string | undefined {
  const header = (name: string): string | undefined => req.get(name)?.trim();
  const version = header('mcp-protocol-version');
  if (version === undefined) return 'MCP-Protocol-Version header is required';
  const metaVersion = requestMeta(request)?.[MetaKey.protocolVersion];
  if (typeof metaVersion === 'string' && metaVersion !== version) {
    return `MCP-Protocol-Version header is "${version}", _meta says "${metaVersion}"`;
  }
  const toolName = request.method === 'tools/call' ? request.params?.name : undefined;
  const tool = typeof toolName === 'string' ? tools.findTool(toolName) : undefined;
  return headerMismatch(request, tool, header);
}

/**
 * How an HTTP transport reports errors: an HTTP status plus a JSON-RPC error
 * body, sent through one helper so every stage answers bad input the same way.
 *
 * Teaches: two layers can fail. A transport error (wrong method, wrong content
 * type, a body too large, a bad `Origin`) is found before the protocol runs; a
 * protocol error comes back from the MCP core. In the handshake era protocol
 * errors travel inside a 200 like any JSON-RPC answer; revision 2026-07-28
 * gives the request-level ones HTTP statuses, so intermediaries can see them.
 * Implements: "Streamable HTTP", revisions 2025-03-26 to 2026-07-28 (statuses
 * for rejected requests, 403 for a bad Origin from 2025-11-25); the schema's
 * error response, whose `id` may be left out from 2025-11-25.
 * Read next: origin.ts, the first check every request meets.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#protocol-version-header
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ErrorCode,
  errorResponse,
  type JsonRpcErrorResponse,
  type JsonRpcResponse,
  type RequestId,
} from '../protocol/jsonrpc.ts';
import { isLimitError, isMissingMetaError, type Era } from '../protocol/mcp-server.ts';
import { DEFAULT_LIMITS, limitRefusal, type LimitRefusal } from '../limits.ts';
import { isSupportedVersion, type ProtocolVersion } from '../protocol/versions.ts';

/** How an error body goes out: extra headers, and what is known of the request it answers. */
export interface ErrorAnswerOptions {
  /** Headers to send with the status, such as `Allow` or `Retry-After`. */
  headers?: Record<string, string>;
  /**
   * The revision the request runs under, when something other than its
   * `MCP-Protocol-Version` header knows it (a session's negotiated version).
   */
  revision?: ProtocolVersion | undefined;
}

/** An error body as it goes on the wire: from 2025-11-25 it may have no `id` at all. */
export type WireErrorResponse = Omit<JsonRpcErrorResponse, 'id'> & { id?: RequestId | null };

/** The first revision whose schema makes an error response's `id` optional. */
const ID_OPTIONAL_FROM = '2025-11-25';

/**
 * The one place that decides how an error for a request whose id could not be
 * read (`id: null` in this code base) is written, by the request's revision:
 *
 * - 2025-11-25 and later: no `id` ([schema 2025-11-25, 2026-07-28] `id?: RequestId`,
 *   where `null` is not a `RequestId`);
 * - earlier revisions: `id: null`. Their schemas require an `id` and have no
 *   value for "unknown"; `null` is JSON-RPC 2.0's own answer;
 * - unknown (no usable header, no session): `id: null` too. [spec 2025-06-18+]
 *   A server with no way to tell the version SHOULD assume 2025-03-26, and
 *   every JSON-RPC 2.0 client reads `null`, while an older one may reject an
 *   error with no `id`.
 *
 * An id that could be read is echoed in every revision.
 *
 * @example
 * ```ts
 * errorBodyFor(errorResponse(null, ErrorCode.ParseError, 'Parse error'), '2025-11-25');
 * // { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } }
 * ```
 */
export function errorBodyFor(
  body: JsonRpcErrorResponse,
  revision: ProtocolVersion | undefined,
): WireErrorResponse {
  if (body.id !== null || revision === undefined || revision < ID_OPTIONAL_FROM) return body;
  return { jsonrpc: body.jsonrpc, error: body.error };
}

/**
 * Sends a JSON-RPC error body with an HTTP status, in the form the request's
 * revision expects ({@link errorBodyFor}): the revision given, else the one
 * the request's `MCP-Protocol-Version` header names, if the server speaks it.
 *
 * @example
 * ```ts
 * sendJsonRpcError(res, 405, errorResponse(null, ErrorCode.InvalidRequest, 'Method not allowed'), {
 *   headers: { Allow: 'POST' },
 * });
 * ```
 */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  body: JsonRpcErrorResponse,
  { headers = {}, revision }: ErrorAnswerOptions = {},
): void {
  if (res.headersSent) {
    // Too late for a status: the answer already started. Closing is all that is left.
    res.destroy();
    return;
  }
  const header = res.req.headers['mcp-protocol-version'];
  const named = isSupportedVersion(header) ? header : undefined;
  // Answered before its body was read (413, 415, 403, 404...): on a kept-alive connection Node
  // would read the rest of the body to reach the next request, however large. Closing reads none.
  const close = hasUnreadBody(res.req) ? { Connection: 'close' } : {};
  const text = JSON.stringify(errorBodyFor(body, revision ?? named));
  res.writeHead(status, {
    ...headers,
    ...close,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** True while a request's body is still (partly) unread: a length was declared, or chunks announced. */
function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.complete) return false;
  return (
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0
  );
}

/**
 * Sends a transport-level rejection: status plus a -32600 JSON-RPC error,
 * echoing the request's id when the caller could read it.
 *
 * @example
 * ```ts
 * rejectRequest(res, 415, 'Content-Type must be application/json');
 * rejectRequest(res, 404, 'Not Found: session not found', { id: 7 });
 * ```
 */
export function rejectRequest(
  res: ServerResponse,
  status: number,
  message: string,
  options: ErrorAnswerOptions & { id?: RequestId | undefined } = {},
): void {
  // -32600 for every transport rejection: the request, as HTTP delivered it, is not acceptable.
  const body = errorResponse(options.id ?? null, ErrorCode.InvalidRequest, message);
  sendJsonRpcError(res, status, body, options);
}

/** Seconds a client refused for a count (sessions, streams) waits before trying again. */
export const RETRY_AFTER_S = 1;

/**
 * Refuses a request for a limit it met: the status and JSON-RPC error of
 * `limitRefusal` (../limits.ts), echoing the request's id when there is one,
 * with `Retry-After` when the answer is "not now" (429, 503) rather than
 * "not like this".
 *
 * @example
 * ```ts
 * sendLimitRefusal(res, limitRefusal('maxSessionsPerClient', limits), request.id);
 * ```
 */
export function sendLimitRefusal(
  res: ServerResponse,
  refusal: LimitRefusal,
  id?: RequestId,
  revision?: ProtocolVersion,
): void {
  const retry = refusal.status === 429 || refusal.status === 503;
  sendJsonRpcError(
    res,
    refusal.status,
    errorResponse(id ?? null, refusal.code, refusal.message, refusal.data),
    { revision, ...(retry ? { headers: { 'Retry-After': String(RETRY_AFTER_S) } } : {}) },
  );
}

/**
 * The error handler, last in an express app's chain: whatever reaches it is a
 * bug (bad input is answered where it is found), so it is reported and
 * answered 500 with -32603, or the connection is closed if the answer had
 * already started.
 *
 * @example
 * ```ts
 * app.use(answerUnexpectedErrors(console.error)); // after every route
 * ```
 */
export function answerUnexpectedErrors(onError: (error: unknown) => void) {
  return (error: unknown, _req: unknown, res: ServerResponse, _next: unknown): void => {
    onError(error);
    sendJsonRpcError(res, 500, errorResponse(null, ErrorCode.InternalError, 'Internal error'));
  };
}

/**
 * The HTTP status for the core's answer to a request.
 *
 * - Handshake era: always 200; the JSON-RPC error is the whole story.
 * - 2026-07-28: a method the revision does not have → 404 (so a client can
 *   tell it from a legacy server's 404, which has no JSON-RPC body); a request
 *   whose `_meta` lacks a required field, or that needs a version or capability
 *   we lack → 400; a request refused by a limit (`data.limit`) → its refusal's
 *   status (limitRefusal: 400 for tool arguments too large); an internal error
 *   → 500; anything else 200, errors included.
 *
 * Why not 400 for every bad request: a dual-era client reads a 400 whose body
 * is not a modern error (-32020, -32021, -32022) as "this server only speaks
 * the handshake era" and falls back to `initialize`. An unknown tool or a bad
 * cursor (-32602) answers a request the server understood, so it goes in a 200.
 * A limit's -32602 is the exception, and safe: a dual-era client meets it only
 * on a `tools/call` with large arguments, never on the `server/discover` it
 * decides the era with (no arguments at all), so by then it knows the server
 * is modern; an intermediary sees the refusal, and `data.limit` says why.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#backward-compatibility
 */
export function httpStatusFor(response: JsonRpcResponse, era: Era): number {
  if (!('error' in response) || era === 'handshake') return 200;
  switch (response.error.code) {
    case ErrorCode.MethodNotFound:
      return 404;
    case ErrorCode.InvalidParams:
      // [spec 2026-07-28] A request missing a required `_meta` field: "the response status MUST be 400".
      if (isMissingMetaError(response.error)) return 400;
      // The status is the limit's own, from the one table of refusals; the value plays no part in it.
      if (isLimitError(response.error))
        return limitRefusal(response.error.data.limit, DEFAULT_LIMITS).status;
      return 200;
    case ErrorCode.ParseError:
    case ErrorCode.InvalidRequest:
    case ErrorCode.HeaderMismatch:
    case ErrorCode.MissingRequiredClientCapability:
    case ErrorCode.UnsupportedProtocolVersion:
      return 400;
    case ErrorCode.InternalError:
      return 500;
    default:
      return 200;
  }
}

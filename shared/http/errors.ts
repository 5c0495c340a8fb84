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
 * for rejected requests, 403 for a bad Origin from 2025-11-25).
 * Read next: origin.ts, the first check every request meets.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#protocol-version-header
 * @module
 */
import type { ServerResponse } from 'node:http';
import {
  ErrorCode,
  errorResponse,
  type JsonRpcErrorResponse,
  type JsonRpcResponse,
} from '../protocol/jsonrpc.ts';
import { isMissingMetaError, type Era } from '../protocol/mcp-server.ts';

/**
 * Sends a JSON-RPC error body with an HTTP status. For transport errors, which
 * happen before any request id is read, `id` is `null`.
 *
 * @example
 * ```ts
 * sendJsonRpcError(res, 405, errorResponse(null, ErrorCode.InvalidRequest, 'Method not allowed'), {
 *   Allow: 'POST',
 * });
 * ```
 */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  body: JsonRpcErrorResponse,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    // Too late for a status: the answer already started. Closing is all that is left.
    res.destroy();
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Sends a transport-level rejection: status plus an id-less JSON-RPC error.
 *
 * @example
 * ```ts
 * rejectRequest(res, 415, 'Content-Type must be application/json');
 * ```
 */
export function rejectRequest(
  res: ServerResponse,
  status: number,
  message: string,
  headers?: Record<string, string>,
): void {
  // -32600 for every transport rejection: the request, as HTTP delivered it, is not acceptable.
  sendJsonRpcError(res, status, errorResponse(null, ErrorCode.InvalidRequest, message), headers);
}

/**
 * The HTTP status for the core's answer to a request.
 *
 * - Handshake era: always 200; the JSON-RPC error is the whole story.
 * - 2026-07-28: a method the revision does not have → 404 (so a client can
 *   tell it from a legacy server's 404, which has no JSON-RPC body); a request
 *   whose `_meta` lacks a required field, or that needs a version or capability
 *   we lack → 400; an internal error → 500; anything else 200, errors included.
 *
 * Why not 400 for every bad request: a dual-era client reads a 400 whose body
 * is not a modern error (-32020, -32021, -32022) as "this server only speaks
 * the handshake era" and falls back to `initialize`. An unknown tool or a bad
 * cursor (-32602) answers a request the server understood, so it goes in a 200.
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
      return isMissingMetaError(response.error) ? 400 : 200;
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

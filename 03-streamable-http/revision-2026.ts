/**
 * The 2026-07-28 path of stage 03: the same `/mcp` endpoint, serving the
 * current revision of MCP, in which every request stands alone.
 *
 * Teaches: what the current revision traded. No `initialize`, no
 * `Mcp-Session-Id`, no GET stream, no `Last-Event-ID`: each POST carries its
 * version and the client's capabilities in `_meta` (and the version, method
 * and name again in headers, checked against the body), any instance can
 * answer it, and the server keeps nothing. The price is resumption: a stream
 * has no event ids, and closing it *is* the cancellation, so a dropped
 * connection stops the tool and the client must ask again with a new id.
 * Implements: Streamable HTTP, revision 2026-07-28 ("Sending Messages",
 * "Receiving Messages", "Request Metadata", "Cancellation"), served beside the
 * handshake era as "Backward Compatibility with Initialization-Based Versions" allows.
 * Read next: ../shared/http/request-metadata.ts; then client.ts (`--revision 2026-07-28`).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 * @module
 */
import type { Request, Response } from 'express';
import { httpStatusFor, sendJsonRpcError } from '../shared/http/errors.ts';
import { HandshakeState } from '../shared/protocol/handshake-state.ts';
import {
  ErrorCode,
  errorResponse,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from '../shared/protocol/jsonrpc.ts';
import { eraOf, requestMeta, type McpServer } from '../shared/protocol/mcp-server.ts';
import { MetaKey, isPerRequestVersion } from '../shared/protocol/versions.ts';
import { headerMismatch } from '../shared/http/request-metadata.ts';
import { abortWhenClosed } from '../shared/protocol/cancellation.ts';
import { ResumableStream } from './stream.ts';

/** What the 2026 path needs from the server. */
export interface Revision2026Context {
  /** The protocol core shared with the handshake era: the same tools, answered without a session. */
  mcp: McpServer;
  /** Aborted when the server shuts down. */
  shutdown: AbortSignal;
  /** How often a quiet response stream gets an SSE comment, in ms, so proxies keep it open. */
  keepAliveMs: number;
}

/**
 * True for a POST the 2026 path serves: one that carries the 2026 `_meta`
 * fields, or says `MCP-Protocol-Version: 2026-07-28`. Anything else (a plain
 * `initialize` first of all) is handshake-era.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#backward-compatibility-with-initialization-based-versions
 */
export function isRevision2026Post(req: Request, message: JsonRpcMessage): boolean {
  return (
    isPerRequestVersion(req.get('mcp-protocol-version')?.trim()) || eraOf(message) === 'per-request'
  );
}

/**
 * POST on the 2026 path: check the headers against the body, let the core
 * answer, and send the answer as JSON, or as an SSE stream once the request
 * has something to say before its result.
 */
export async function handleRevision2026Post(
  req: Request,
  res: Response,
  message: JsonRpcMessage,
  context: Revision2026Context,
): Promise<void> {
  if (!isRequest(message)) {
    // "This revision defines no client-to-server notifications over Streamable HTTP"; accept and ignore.
    res.status(202).end();
    return;
  }
  const mismatch = checkHeaders(req, message, context.mcp);
  if (mismatch) {
    // [spec] Header validation failures: "400 Bad Request and ... -32020 (HeaderMismatch)".
    sendJsonRpcError(
      res,
      400,
      errorResponse(message.id, ErrorCode.HeaderMismatch, `Header mismatch: ${mismatch}`),
    );
    return;
  }

  // The stream opens with the first message that has to go before the result;
  // an answer with nothing to say first goes as JSON, with its real HTTP status.
  let stream: ResumableStream | undefined;
  const send = (notification: JsonRpcNotification): void => {
    if (!stream) {
      stream = new ResumableStream({
        eventStore: undefined, // "Resumable streams are not supported": no event ids
        priming: false,
        retryMs: 0,
        pollAfterMs: undefined,
        keepAliveMs: context.keepAliveMs,
        retentionMs: 0,
      });
      void stream.open(res);
    }
    void stream.send(notification);
  };

  const response = await context.mcp.handle(message, {
    send,
    // [spec] "Closing the response stream is cancellation": the server MUST treat it so.
    signal: abortWhenClosed(res, context.shutdown),
    handshake: new HandshakeState(), // never read on this path: nothing is remembered
    era: 'per-request',
  });
  if (!response) {
    // Cancelled: "the server MUST NOT send anything more for that request".
    res.end();
    return;
  }
  if (stream) await stream.finish(response);
  else res.status(httpStatusFor(response, 'per-request')).json(response);
}

/**
 * The header checks, in the order that gives each failure its own error:
 * the version header must be there and equal `_meta`'s (a missing `_meta` is
 * the core's -32602), then `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*`.
 */
function checkHeaders(req: Request, request: JsonRpcRequest, mcp: McpServer): string | undefined {
  const header = (name: string): string | undefined => req.get(name)?.trim();
  const version = header('mcp-protocol-version');
  if (version === undefined) return 'MCP-Protocol-Version header is required';
  const metaVersion = requestMeta(request)?.[MetaKey.protocolVersion];
  if (typeof metaVersion === 'string' && metaVersion !== version) {
    return `MCP-Protocol-Version header is "${version}", _meta says "${metaVersion}"`;
  }
  const toolName = request.method === 'tools/call' ? request.params?.name : undefined;
  const tool = typeof toolName === 'string' ? mcp.findTool(toolName) : undefined;
  return headerMismatch(request, tool, header);
}

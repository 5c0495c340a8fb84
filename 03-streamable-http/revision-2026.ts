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
 * Read next: ../shared/http/post-rules.ts and ../shared/http/request-metadata.ts (the header
 * checks); then client.ts (`--revision 2026-07-28`).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 * @module
 */
import type { Limits } from '../shared/limits.ts';
import type { Response } from 'express';
import { httpStatusFor } from '../shared/http/errors.ts';
import {
  isRequest,
  type JsonRpcMessage,
  type JsonRpcNotification,
} from '../shared/protocol/jsonrpc.ts';
import type { McpServer } from '../shared/protocol/mcp-server.ts';
import { abortWhenClosed } from '../shared/protocol/cancellation.ts';
import { LiveStream } from './live-stream.ts';

/** What the 2026 path needs from the server. */
export interface Revision2026Context {
  /** The protocol core shared with the handshake era: the same tools, answered without a session. */
  mcp: McpServer;
  /** Aborted when the server shuts down. */
  shutdown: AbortSignal;
  /** How often a quiet response stream gets an SSE comment, in ms, so proxies keep it open. */
  keepAliveMs: number;
  /** What a client may make the server hold (shared/limits.ts). */
  limits: Limits;
}

/**
 * POST on the 2026 path, once the shared POST rules (post-rules.ts) chose it
 * and checked its headers against its body: let the core answer, and send
 * the answer as JSON, or as an SSE stream once the request has something to
 * say before its result.
 */
export async function handleRevision2026Post(
  res: Response,
  message: JsonRpcMessage,
  context: Revision2026Context,
): Promise<void> {
  if (!isRequest(message)) {
    // "This revision defines no client-to-server notifications over Streamable HTTP"; accept and ignore.
    res.status(202).end();
    return;
  }
  // The stream opens with the first message that has to go before the result;
  // an answer with nothing to say first goes as JSON, with its real HTTP status.
  // [spec] "Resumable streams are not supported": a live stream, with no event ids.
  let stream: LiveStream | undefined;
  const send = (notification: JsonRpcNotification): void => {
    stream ??= new LiveStream(res, context.keepAliveMs, context.limits.maxBufferedBytesPerStream);
    stream.send(notification);
  };

  const response = await context.mcp.handle(message, {
    send,
    // [spec] "Closing the response stream is cancellation": the server MUST treat it so.
    signal: abortWhenClosed(res, context.shutdown),
    era: 'per-request', // no handshake state at all: nothing is remembered between requests
  });
  if (!response) {
    // Cancelled: "the server MUST NOT send anything more for that request".
    res.end();
    return;
  }
  if (stream) stream.finish(response);
  else res.status(httpStatusFor(response, 'per-request')).json(response);
}

/**
 * Reading a JSON-RPC body from an HTTP POST, for every stage's express app:
 * the content-type check, the size limit, and the answers owed when either fails.
 *
 * Teaches: the checks that come before the protocol. A body is read as text
 * and parsed by `parseJsonRpc`, so a parse error can be answered with the
 * exact JSON-RPC error; the size limit protects the server from a client that
 * sends unbounded JSON.
 * Read next: errors.ts, how every failure is answered.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 * @module
 */
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { rejectRequest, sendJsonRpcError } from './errors.ts';
import { ErrorCode, errorResponse } from '../protocol/jsonrpc.ts';

/**
 * The largest body accepted. MCP sets no limit; a server without one lets any
 * client make it buffer unbounded JSON. 1 MiB is far above any message here.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Middleware for a POST route: 415 unless the body is declared
 * `application/json`, then the body as a string in `req.body`.
 *
 * @example
 * ```ts
 * app.post('/mcp', ...readJsonBody, handlePost);
 * app.use(handleBodyErrors(console.error)); // last
 * ```
 */
export const readJsonBody: RequestHandler[] = [
  (req: Request, res: Response, next: NextFunction) => {
    if (req.is('application/json')) return next();
    // The spec requires no Content-Type check; refusing what we cannot parse is the SDK's convention too.
    rejectRequest(res, 415, 'Unsupported Media Type: Content-Type must be application/json');
  },
  express.text({ type: () => true, limit: MAX_BODY_BYTES }),
];

/** The body as text: what {@link readJsonBody} left in `req.body` (empty if there was none). */
export function bodyText(req: { body?: unknown }): string {
  return typeof req.body === 'string' ? req.body : '';
}

/**
 * The error handler, last in the chain: the body reader's errors become
 * MCP-shaped answers (413, 415); anything else is a bug, reported and answered 500.
 */
export function handleBodyErrors(onError: (error: unknown) => void) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      rejectRequest(res, 413, `Payload Too Large: the limit is ${MAX_BODY_BYTES} bytes`);
    } else if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
      rejectRequest(res, 415, 'Unsupported Media Type: JSON must be UTF-8');
    } else if (type === 'request.aborted') {
      res.destroy();
    } else {
      onError(error);
      sendJsonRpcError(res, 500, errorResponse(null, ErrorCode.InternalError, 'Internal error'));
    }
  };
}

/**
 * Reading a JSON-RPC body from an HTTP POST, for every stage's express app:
 * what the headers must say, how large the body may be, and the answers owed
 * when either fails, given before the body is read whenever the headers
 * already decide.
 *
 * Teaches: the checks that come before the protocol, and why they come before
 * the body. A server that reads a body to find out it is too large has already
 * spent what the limit was meant to save: a declared `Content-Length` over the
 * limit is answered 413 at once, and the connection closed so that the rest is
 * never read; a chunked body, whose length nobody declared, is cut where it
 * crosses the limit. The body is read as UTF-8 text, uncompressed, and parsed
 * by `parseJsonRpc`, so a parse error can be answered with the exact JSON-RPC
 * error.
 * Implements: "Transports", every revision: [spec] "JSON-RPC messages MUST be
 * UTF-8 encoded"; and the resource limits the spec leaves to the server (the
 * `maxBodyBytes` of ../limits.ts).
 * Read next: errors.ts, how every failure is answered.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendJsonRpcError } from './errors.ts';
import { limitRefusal, type Limits } from '../limits.ts';
import { ErrorCode, errorResponse, type JsonRpcErrorResponse } from '../protocol/jsonrpc.ts';

/**
 * A body refused before it was read: the status and the JSON-RPC error. Sent
 * by `sendJsonRpcError`, the answer closes the connection (`Connection:
 * close`), so the rest of the body is never read.
 */
export interface BodyRefusal {
  /** 415 for what the body is declared to be, 413 for its size. */
  status: number;
  /** The JSON-RPC error to answer with. */
  error: JsonRpcErrorResponse;
}

/**
 * What the headers of a POST decide before its body is read: 415 unless it is
 * declared `application/json` in UTF-8 and not compressed; 413 when its
 * `Content-Length` is over `maxBodyBytes`.
 * @returns the refusal, or `undefined` when the body may be read.
 */
export function refuseBodyFromHeaders(
  req: Pick<Request, 'is' | 'get'>,
  limits: Limits,
): BodyRefusal | undefined {
  const unsupported = (why: string): BodyRefusal => ({
    status: 415,
    error: errorResponse(null, ErrorCode.InvalidRequest, `Unsupported Media Type: ${why}`),
  });
  // Size first: a body too large to read is refused whatever it would have been.
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > limits.maxBodyBytes) return tooLarge(limits);
  // The spec requires no Content-Type check; refusing what we cannot parse is the SDK's convention too.
  if (!req.is('application/json')) {
    return unsupported('Content-Type must be application/json');
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.get('content-type') ?? '')?.[1];
  if (charset !== undefined && !['utf-8', 'utf8'].includes(charset.toLowerCase())) {
    // [spec] "JSON-RPC messages MUST be UTF-8 encoded" (Transports, every revision).
    return unsupported(`JSON must be UTF-8, not ${charset}`);
  }
  // No compression: a compressed body is small on the wire and large in memory, and decompressing
  // it is work a client sets. A server behind a proxy that decompresses may accept what it passes.
  const encoding = req.get('content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return unsupported(`Content-Encoding ${encoding} is not supported; send the body uncompressed`);
  }
  return undefined;
}

/**
 * Middleware for a POST route: answers what {@link refuseBodyFromHeaders}
 * refuses, then reads the body as text into `req.body`, cutting it with 413 if
 * it grows past `maxBodyBytes` (a chunked body declares no length).
 *
 * @example
 * ```ts
 * app.post('/mcp', readJsonBody(limits), handlePost);
 * ```
 */
export function readJsonBody(limits: Limits): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const refused = refuseBodyFromHeaders(req, limits);
    if (refused) {
      refuse(res, refused);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limits.maxBodyBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      refuse(res, tooLarge(limits));
    };
    const onEnd = () => {
      stop();
      // A leading byte order mark is dropped (RFC 8259 allows ignoring it); bytes that are
      // not UTF-8 become U+FFFD, and what they break is then a parse error, answered as one.
      req.body = new TextDecoder().decode(Buffer.concat(chunks));
      next();
    };
    const onGone = () => {
      // The client went away in the middle of its body: nobody is left to answer.
      stop();
      res.destroy();
    };
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
  };
}

/** The body as text: what {@link readJsonBody} left in `req.body` (empty if there was none). */
export function bodyText(req: { body?: unknown }): string {
  return typeof req.body === 'string' ? req.body : '';
}

function tooLarge(limits: Limits): BodyRefusal {
  const { status, code, message, data } = limitRefusal('maxBodyBytes', limits);
  return { status, error: errorResponse(null, code, message, data) };
}

function refuse(res: Response, { status, error }: BodyRefusal): void {
  // The body is unread, so the answer says `Connection: close` (errors.ts): the rest of it,
  // which may be a gigabyte on its way, is never read, and no later request can arrive after it.
  sendJsonRpcError(res, status, error);
}

/**
 * Origin and Host validation: the defence against DNS rebinding that every MCP
 * HTTP server owes its users.
 *
 * Teaches: why a server on 127.0.0.1 is not safe by being local. A web page on
 * an attacker's domain can make the victim's browser resolve that domain to
 * 127.0.0.1 and send requests to the local server; the browser then labels
 * them with the attacker's `Origin`. Rejecting unknown origins stops it.
 * Requests without `Origin` (command-line tools, SDKs) and same-origin
 * requests pass. CORS would not help: it hides the answer, the request still runs.
 * A second check catches what Origin cannot: a rebound request names the
 * attacker's domain in its `Host` header, so a server bound to loopback
 * accepts only loopback names there.
 * Implements: "Security Warning" (2024-11-05 to 2025-06-18) and "Security &
 * Endpoint", 403 Forbidden (2025-11-25 and 2026-07-28).
 * Read next: sse.ts, the stream format of stages 02 and 03.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#security-warning
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { rejectRequest } from './errors.ts';

/** Options for {@link rejectForeignOrigin}. */
export interface OriginPolicy {
  /** Origins allowed besides the server's own, e.g. `['http://localhost:5173']`. */
  allowedOrigins?: readonly string[];
}

/**
 * Express-compatible middleware: 403 for a request whose `Origin` is present
 * and neither the server's own origin nor in the allow-list.
 *
 * @example
 * ```ts
 * app.use(rejectForeignOrigin({ allowedOrigins: ['http://localhost:5173'] }));
 * ```
 */
export function rejectForeignOrigin(policy: OriginPolicy = {}) {
  const allowed = new Set(policy.allowedOrigins ?? []);
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const { origin } = req.headers;
    if (origin === undefined || allowed.has(origin) || isSameOrigin(origin, req.headers.host)) {
      next();
      return;
    }
    // [spec 2025-11-25] "If the Origin header is present and invalid, servers MUST respond with HTTP 403 Forbidden."
    rejectRequest(res, 403, `Origin not allowed: ${origin}`);
  };
}

function isSameOrigin(origin: string, host: string | undefined): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && host !== undefined && url.host === host;
  } catch {
    return false; // "null" (sandboxed pages, file:) or garbage is never our origin
  }
}

/** Options for {@link rejectForeignHost}. */
export interface HostPolicy {
  /** Host names (or `host:port`) accepted besides the loopback names, e.g. `['mcp.internal']`. */
  allowedHosts?: readonly string[];
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Express-compatible middleware for a server bound to loopback: 403 unless the
 * `Host` header names the loopback interface or an allowed host.
 *
 * @example
 * ```ts
 * app.use(rejectForeignHost({ allowedHosts: ['mcp.internal'] }));
 * ```
 */
export function rejectForeignHost(policy: HostPolicy = {}) {
  const allowed = new Set(policy.allowedHosts ?? []);
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const host = req.headers.host ?? '';
    const name = host.replace(/:\d+$/, '').toLowerCase();
    if (LOOPBACK_NAMES.has(name) || allowed.has(host) || allowed.has(name)) {
      next();
      return;
    }
    rejectRequest(res, 403, `Host not allowed: ${host || '(none)'}`);
  };
}

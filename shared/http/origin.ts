/**
 * Origin and Host validation: the two checks that keep web pages away from an
 * MCP server on 127.0.0.1.
 *
 * Teaches: why a server on 127.0.0.1 is not safe by being local, and which
 * check stops which page. A browser will send requests to 127.0.0.1 for any
 * page it shows, in two ways:
 * - A foreign page by the server's real name (`http://evil.example` posting to
 *   `http://127.0.0.1:3003`): the request is cross-origin, so it carries
 *   `Origin: http://evil.example` while `Host` names 127.0.0.1. The Origin
 *   check refuses it: that origin is neither ours nor allow-listed. CORS would
 *   not help: it hides the answer, the request still runs.
 * - A rebound page (DNS rebinding): the attacker's name `attacker.example` is
 *   made to resolve to 127.0.0.1, so the page at `http://attacker.example:3003`
 *   talks to this server as its own origin. Its requests carry
 *   `Origin: http://attacker.example:3003` and `Host: attacker.example:3003`,
 *   which agree, so the Origin check (same origin means `Origin` matches
 *   `Host`) lets them through; a same-origin GET carries no `Origin` at all.
 *   The Host check refuses them: a server bound to loopback accepts only
 *   loopback names (and allow-listed hosts) in `Host`.
 * The spec asks for the Origin check "to prevent DNS rebinding attacks"; it
 * does that only against a fixed list of names, and the Host check supplies
 * the list. Together a browser's request passes only from a page at a loopback
 * name (or an allowed one), and requests without `Origin` (command-line tools,
 * SDKs) pass whenever their `Host` is a loopback name.
 * Edge cases, decided here and proved in origin.test.ts: host names compare
 * case-insensitively; `localhost.` (trailing dot), `localhost.attacker.example`
 * and `127.0.0.1.nip.io` are not loopback names; `[::1]` is; `Origin: null`
 * (sandboxed frames, `file:` pages) is never our origin.
 * Implements: "Security Warning" (2024-11-05 to 2025-06-18) and "Security &
 * Endpoint", 403 Forbidden (2025-11-25 and 2026-07-28).
 * Read next: sse.ts, the stream format of stages 02 and 03; origin.test.ts
 * for both attacks as headers.
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
 * and neither the server's own origin nor in the allow-list. It stops a
 * foreign page that reaches the server by its real name; it does not stop a
 * rebound page, whose `Origin` matches its `Host` (that is
 * {@link rejectForeignHost}'s job, so mount both).
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

// "Our own origin" is read from `Host`, the name the browser used. A rebound
// page names the attacker in both headers and passes here: only the Host check
// ties that name to this machine.
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
 * `Host` header names the loopback interface or an allowed host. This is the
 * check that stops DNS rebinding: a rebound page's browser names the
 * attacker's domain in `Host`, whatever address it connected to.
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
    // Host names are case-insensitive; the exact names only, so `localhost.` and
    // `localhost.attacker.example` are refused (the first costs a typist a 403, nothing more).
    const name = host.replace(/:\d+$/, '').toLowerCase();
    if (LOOPBACK_NAMES.has(name) || allowed.has(host) || allowed.has(name)) {
      next();
      return;
    }
    rejectRequest(res, 403, `Host not allowed: ${host || '(none)'}`);
  };
}

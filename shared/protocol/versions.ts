/**
 * MCP's protocol versions and the two eras they fall into.
 *
 * Teaches: a version is not only a date. Up to 2025-11-25 the client and server
 * agree on one in an `initialize` handshake and keep it for the session (the
 * handshake era). From 2026-07-28 every request names its own version in
 * `params._meta`, and there is no handshake at all (the per-request era).
 * Implements: "Lifecycle", revisions 2024-11-05 to 2025-11-25; "Versioning and
 * Compatibility", revision 2026-07-28.
 * Read next: handshake-state.ts, what the handshake era remembers.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#version-negotiation
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning
 * @module
 */

/** The revisions negotiated by `initialize`, newest first. */
export const HANDSHAKE_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

/** The revisions that carry their version on every request, newest first. */
export const PER_REQUEST_VERSIONS = ['2026-07-28'] as const;

/** A revision of the handshake era. */
export type HandshakeVersion = (typeof HANDSHAKE_VERSIONS)[number];

/** A revision of the per-request era. */
export type PerRequestVersion = (typeof PER_REQUEST_VERSIONS)[number];

/** Any revision this course speaks. */
export type ProtocolVersion = HandshakeVersion | PerRequestVersion;

/** The newest handshake revision: what a server counter-offers when it cannot echo the client's. */
export const LATEST_HANDSHAKE_VERSION: HandshakeVersion = '2025-11-25';

/** The current revision of MCP. */
export const LATEST_VERSION: PerRequestVersion = '2026-07-28';

/**
 * Every revision the course's servers accept, newest first: what `server/discover`
 * lists and what an `UnsupportedProtocolVersionError` offers instead.
 */
export const SUPPORTED_VERSIONS: readonly ProtocolVersion[] = [
  ...PER_REQUEST_VERSIONS,
  ...HANDSHAKE_VERSIONS,
];

/**
 * The version a Streamable HTTP server assumes when a request carries no
 * `MCP-Protocol-Version` header and nothing else tells it the version.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#protocol-version-header
 */
export const DEFAULT_HTTP_VERSION: HandshakeVersion = '2025-03-26';

/** True for a revision negotiated by `initialize`. */
export function isHandshakeVersion(version: unknown): version is HandshakeVersion {
  return (HANDSHAKE_VERSIONS as readonly unknown[]).includes(version);
}

/** True for a revision whose requests carry their version in `_meta`. */
export function isPerRequestVersion(version: unknown): version is PerRequestVersion {
  return (PER_REQUEST_VERSIONS as readonly unknown[]).includes(version);
}

/** True for any revision this course speaks. */
export function isSupportedVersion(version: unknown): version is ProtocolVersion {
  return isHandshakeVersion(version) || isPerRequestVersion(version);
}

/**
 * The reserved `_meta` keys of revision 2026-07-28. Requests carry the first
 * three; results carry `serverInfo`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#meta
 */
export const MetaKey = {
  /** Required on every request: the revision it is written in, replacing the handshake's negotiation. */
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  /** Required on every request: what the client can do, declared again each time. */
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  /** Recommended on every request: who the client is, once carried by `initialize`. */
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  /** Recommended on every result: who answered, since no handshake told the client. */
  serverInfo: 'io.modelcontextprotocol/serverInfo',
} as const;

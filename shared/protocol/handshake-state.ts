/**
 * What the handshake era remembers between messages: the negotiated version,
 * the client's capabilities, and the requests still running.
 *
 * Teaches: where "stateful" comes from. Before 2026-07-28 a server had to keep
 * this per connection or session, because later requests rely on what
 * `initialize` agreed and `notifications/cancelled` names a request by id.
 * Revision 2026-07-28 needs none of it: each request carries its own version
 * and capabilities, and closing the stream is the cancellation.
 * Implements: "Lifecycle" and "Cancellation", revisions 2024-11-05 to 2025-11-25.
 * Read next: mcp-client.ts, the other side of the handshake.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#operation
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/cancellation
 * @module
 */
import { serialisedBytes } from '../limits.ts';
import { InFlightRequests } from './cancellation.ts';
import { isPlainObject, type JsonObject } from './jsonrpc.ts';
import { DEFAULT_HTTP_VERSION, type HandshakeVersion } from './versions.ts';

/**
 * The handshake-era state of one connection (stdio), SSE session (stage 02) or
 * `Mcp-Session-Id` session (stage 03). A sessionless HTTP server makes a fresh
 * one per request, which is exactly why it cannot cancel by id.
 *
 * @example
 * ```ts
 * // A sessionless server learns the version from the MCP-Protocol-Version header:
 * const handshake = new HandshakeState('2025-11-25');
 * ```
 */
export class HandshakeState {
  /** The version in use: negotiated by `initialize`, or told by the transport. */
  protocolVersion: HandshakeVersion;
  /** What the client declared in `initialize`. */
  clientCapabilities: JsonObject = {};
  /** Who the client said it is in `initialize`. */
  clientInfo: JsonObject | undefined;
  /** Set by `notifications/initialized`: the client is ready for normal operation. */
  initialized = false;
  /** Requests still running, by id, so `notifications/cancelled` can abort them. */
  readonly inFlight = new InFlightRequests();

  /** @param protocolVersion the version to assume until `initialize` negotiates one. */
  constructor(protocolVersion: HandshakeVersion = DEFAULT_HTTP_VERSION) {
    this.protocolVersion = protocolVersion;
  }

  /** Records what `initialize` agreed. */
  negotiated(protocolVersion: HandshakeVersion, capabilities: unknown, clientInfo: unknown): void {
    this.protocolVersion = protocolVersion;
    this.clientCapabilities = isPlainObject(capabilities) ? capabilities : {};
    this.clientInfo = isPlainObject(clientInfo) ? clientInfo : undefined;
  }
}

/**
 * Bytes of what `initialize` makes a session keep (capabilities and client
 * info, serialised as a shared store keeps them), held against
 * `maxSessionStateBytes`. What cannot be serialised at all is too large.
 */
export function handshakeStateBytes(handshake: {
  clientCapabilities: unknown;
  clientInfo: unknown;
}): number {
  try {
    const { clientCapabilities, clientInfo } = handshake;
    return serialisedBytes({ clientCapabilities, clientInfo });
  } catch {
    return Infinity; // nested past the stack's depth, for one
  }
}

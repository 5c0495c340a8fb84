/**
 * The rules of revision 2026-07-28's transport pages: every MUST, MUST NOT,
 * SHOULD and SHOULD NOT of Streamable HTTP, and those of the transports
 * overview that bind an HTTP binding, each in a few words of the course's own.
 *
 * Teaches: what the per-request era asks of the wire. Most rules are about
 * the request metadata headers (the version, method, name and tool arguments
 * mirrored from the body, which a server checks and refuses with 400 and
 * -32020); the rest are the POST-only endpoint, the request-scoped stream,
 * cancellation by closing it, and how a 2026 server treats older clients.
 * Rules the course does not build (authentication, intermediaries'
 * policies, adopting HTTP+SSE) say why in `notImplemented`.
 * Implements: `basic/transports/streamable-http` and `basic/transports` (the
 * overview's "Messages" section; its custom-transport rules bind no HTTP
 * binding) of revision 2026-07-28.
 * Read next: rule.ts, the shape of each entry.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 * @module
 */
import type { SpecRule } from './rule.ts';

export const RULES: readonly SpecRule[] = [
  // Overview ("basic/transports"): what any binding owes, HTTP included.
  {
    id: 'r2026-messages-utf8',
    revisions: ['2026-07-28'],
    section: 'basic/transports#messages',
    level: 'MUST',
    party: 'both',
    rule: 'JSON-RPC messages are UTF-8.',
  },
  {
    id: 'r2026-binding-delivers-both-directions',
    revisions: ['2026-07-28'],
    section: 'basic/transports#messages',
    level: 'MUST',
    party: 'both',
    rule: 'The binding carries client requests and notifications to the server, and server responses and notifications back.',
  },

  // The MCP endpoint.
  {
    id: 'r2026-single-post-endpoint',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http',
    level: 'MUST',
    party: 'server',
    rule: 'One endpoint path, the MCP endpoint, accepts POST.',
  },

  // Security & Endpoint.
  {
    id: 'r2026-origin-validated',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#security--endpoint',
    level: 'MUST',
    party: 'server',
    rule: 'Check the Origin header of every incoming connection (DNS rebinding).',
  },
  {
    id: 'r2026-origin-invalid-403',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#security--endpoint',
    level: 'MUST',
    party: 'server',
    rule: 'A present but invalid Origin gets 403 Forbidden.',
  },
  {
    id: 'r2026-local-bind-loopback',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#security--endpoint',
    level: 'SHOULD',
    party: 'server',
    rule: 'A local server listens on 127.0.0.1 only, not on every interface.',
  },
  {
    id: 'r2026-authentication',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#security--endpoint',
    level: 'SHOULD',
    party: 'server',
    rule: 'Authenticate every connection.',
    notImplemented:
      'Authorization is out of the course’s scope: its servers listen on loopback and check Origin and Host instead.',
  },

  // Sending Messages.
  {
    id: 'r2026-client-message-per-post',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'client',
    rule: 'Each client message is a POST of its own to the MCP endpoint.',
  },
  {
    id: 'r2026-client-uses-post',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'client',
    rule: 'The client sends messages with POST (no GET, no DELETE).',
  },
  {
    id: 'r2026-client-accept-both',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'client',
    rule: 'Accept names both application/json and text/event-stream.',
  },
  {
    id: 'r2026-client-sends-request-metadata',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'client',
    rule: 'Every POST carries the request metadata headers.',
  },
  {
    id: 'r2026-body-one-message',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'both',
    rule: 'A POST body is one request or one notification: no batch.',
  },
  {
    id: 'r2026-client-no-responses',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST NOT',
    party: 'client',
    rule: 'The client sends no JSON-RPC responses.',
  },
  {
    id: 'r2026-notification-accepted-202',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'server',
    rule: 'An accepted notification gets 202 and an empty body.',
  },
  {
    id: 'r2026-notification-refused-error-status',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'server',
    rule: 'A notification the server cannot accept gets an HTTP error status, such as 400.',
  },
  {
    id: 'r2026-request-json-or-sse',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'server',
    rule: 'A request is answered as application/json or as text/event-stream.',
  },
  {
    id: 'r2026-client-reads-json-and-sse',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#sending-messages',
    level: 'MUST',
    party: 'client',
    rule: 'The client handles both answer types: one JSON object, or an SSE stream.',
  },

  // Receiving Messages.
  {
    id: 'r2026-stream-notifications-related',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#receiving-messages',
    level: 'MUST',
    party: 'server',
    rule: 'Notifications on a response stream concern the request that opened it.',
  },
  {
    id: 'r2026-stream-no-requests',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#receiving-messages',
    level: 'MUST NOT',
    party: 'server',
    rule: 'No server-initiated JSON-RPC request on a response stream (input is asked for in results, MRTR).',
  },
  {
    id: 'r2026-response-ends-stream',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#receiving-messages',
    level: 'SHOULD',
    party: 'server',
    rule: 'The stream closes after the final response.',
  },
  {
    id: 'r2026-sse-no-proxy-buffering',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#receiving-messages',
    level: 'SHOULD',
    party: 'server',
    rule: 'An SSE answer carries X-Accel-Buffering: no, so proxies pass events on at once.',
  },

  // Cancellation.
  {
    id: 'r2026-stream-close-cancels',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#cancellation',
    level: 'MUST',
    party: 'server',
    rule: 'A closed response stream cancels its request.',
  },
  {
    id: 'r2026-cancel-stops-work',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#cancellation',
    level: 'SHOULD',
    party: 'server',
    rule: 'Work on a cancelled request stops soon.',
  },
  {
    id: 'r2026-cancel-sends-nothing-more',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#cancellation',
    level: 'MUST NOT',
    party: 'server',
    rule: 'Nothing more is sent for a cancelled request.',
  },

  // Protocol Version Header.
  {
    id: 'r2026-version-header-on-every-post',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#protocol-version-header',
    level: 'MUST',
    party: 'client',
    rule: 'Every POST names its version in MCP-Protocol-Version.',
  },
  {
    id: 'r2026-version-header-equals-meta',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#protocol-version-header',
    level: 'MUST',
    party: 'client',
    rule: 'MCP-Protocol-Version equals the protocolVersion in the body’s _meta.',
  },
  {
    id: 'r2026-version-mismatch-400',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#protocol-version-header',
    level: 'MUST',
    party: 'server',
    rule: 'Header and _meta versions that differ get 400 and HeaderMismatch (-32020).',
  },
  {
    id: 'r2026-unsupported-version-400',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#protocol-version-header',
    level: 'MUST',
    party: 'server',
    rule: 'A version the server does not serve gets 400 and UnsupportedProtocolVersionError (-32022) listing the supported ones.',
  },
  {
    id: 'r2026-unknown-method-404',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#protocol-version-header',
    level: 'MUST',
    party: 'server',
    rule: 'A method the server does not implement gets 404 and -32601 (Method not found).',
  },
  {
    id: 'r2026-missing-version-header-rejected',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#protocol-version-header',
    level: 'MUST',
    party: 'server',
    rule: 'Unless it serves clients older than 2025-06-18, a server refuses a POST without MCP-Protocol-Version (Server Validation).',
    // The course serves them (the MAY: no header on a handshake-era POST means 2025-03-26 or the
    // session's version); what it refuses is a 2026-07-28 request without the header.
  },

  // Standard Request Headers.
  {
    id: 'r2026-standard-headers-required',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#standard-request-headers',
    level: 'MUST',
    party: 'client',
    rule: 'Mcp-Method on every request; Mcp-Name (params.name or params.uri) on tools/call, resources/read and prompts/get (REQUIRED).',
  },
  {
    id: 'r2026-mcp-name-base64-when-unsafe',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#standard-request-headers',
    level: 'MUST',
    party: 'client',
    rule: 'An Mcp-Name value that is not plain header-safe ASCII travels in the Base64 sentinel.',
  },

  // Custom Headers from Tool Parameters.
  {
    id: 'r2026-client-supports-x-mcp-header',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#custom-headers-from-tool-parameters',
    level: 'MUST',
    party: 'client',
    rule: 'Clients implement x-mcp-header, though servers need not use it.',
  },
  {
    id: 'r2026-client-mirrors-x-mcp-header',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#custom-headers-from-tool-parameters',
    level: 'MUST',
    party: 'client',
    rule: 'Arguments a tool marks with x-mcp-header go into Mcp-Param-{Name} headers.',
  },
  {
    id: 'r2026-x-mcp-header-not-empty',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST NOT',
    party: 'server',
    rule: 'An x-mcp-header value is never empty.',
  },
  {
    id: 'r2026-x-mcp-header-token',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST',
    party: 'server',
    rule: 'An x-mcp-header value is an HTTP field-name token (1*tchar).',
  },
  {
    id: 'r2026-x-mcp-header-no-control-chars',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST NOT',
    party: 'server',
    rule: 'An x-mcp-header value holds no control character, CR and LF included.',
  },
  {
    id: 'r2026-x-mcp-header-unique',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST',
    party: 'server',
    rule: 'x-mcp-header values of one inputSchema differ, ignoring case.',
  },
  {
    id: 'r2026-x-mcp-header-primitive-only',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST',
    party: 'server',
    rule: 'x-mcp-header marks only string, integer or boolean parameters (never number).',
  },
  {
    id: 'r2026-x-mcp-header-safe-integer',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST',
    party: 'server',
    rule: 'A mirrored integer stays within JavaScript’s safe range (±(2^53−1)).',
  },
  {
    id: 'r2026-x-mcp-header-statically-reachable',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST',
    party: 'server',
    rule: 'x-mcp-header sits only on a property reached from the root through properties keys alone.',
  },
  {
    id: 'r2026-x-mcp-header-no-array-composition-ref',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST NOT',
    party: 'server',
    rule: 'The path to an x-mcp-header never crosses items, oneOf/anyOf/allOf/not, if/then/else or $ref.',
  },
  {
    id: 'r2026-client-rejects-invalid-x-mcp-header',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST',
    party: 'client',
    rule: 'An HTTP client refuses a tool whose x-mcp-header breaks a constraint.',
  },
  {
    id: 'r2026-client-drops-invalid-tool',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'MUST',
    party: 'client',
    rule: 'A refused tool is left out of the tools/list result (the others stay usable).',
  },
  {
    id: 'r2026-client-warns-invalid-tool',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#schema-extension',
    level: 'SHOULD',
    party: 'client',
    rule: 'Refusing a tool logs a warning with its name and the reason.',
  },

  // Value Encoding.
  {
    id: 'r2026-client-encodes-param-values',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#value-encoding',
    level: 'MUST',
    party: 'client',
    rule: 'Parameter values are converted (strings as is, integers in decimal, booleans as true/false) and encoded before they enter a header.',
  },
  {
    id: 'r2026-client-base64-unsafe-values',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#value-encoding',
    level: 'MUST',
    party: 'client',
    rule: 'A value with non-ASCII, control characters or surrounding whitespace travels as =?base64?{UTF-8 in Base64}?=.',
  },
  {
    id: 'r2026-base64-markers-exact',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#value-encoding',
    level: 'MUST',
    party: 'both',
    rule: 'The sentinel is exactly =?base64? … ?=, lower case.',
  },
  {
    id: 'r2026-inspectors-decode-base64',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#value-encoding',
    level: 'MUST',
    party: 'server',
    rule: 'Whoever inspects a mirrored value decodes the sentinel first.',
  },
  {
    id: 'r2026-server-decodes-before-comparing',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#value-encoding',
    level: 'MUST',
    party: 'server',
    rule: 'An encoded Mcp-Name or Mcp-Param-{Name} is decoded before it is compared with the body.',
  },
  {
    id: 'r2026-client-base64-sentinel-lookalike',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#value-encoding',
    level: 'MUST',
    party: 'client',
    rule: 'A plain value that looks like the sentinel is Base64-encoded too.',
  },

  // Client Behavior.
  {
    id: 'r2026-client-tools-call-headers',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#client-behavior',
    level: 'MUST',
    party: 'client',
    rule: 'For tools/call: take the standard values from the body, add Mcp-Method and Mcp-Name, read each x-mcp-header argument at its path, encode it, add Mcp-Param-{Name}.',
  },
  {
    id: 'r2026-client-param-header-when-set',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-behavior-for-custom-headers',
    level: 'MUST',
    party: 'client',
    rule: 'A marked argument that has a value gets its Mcp-Param header.',
  },
  {
    id: 'r2026-client-omits-absent-param',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-behavior-for-custom-headers',
    level: 'MUST',
    party: 'client',
    rule: 'A marked argument that is null or absent gets no Mcp-Param header.',
  },
  {
    id: 'r2026-client-relists-on-header-mismatch',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#client-behavior',
    level: 'SHOULD',
    party: 'client',
    rule: 'On a HeaderMismatch about Mcp-Param headers, re-read tools/list and retry with the right headers.',
  },

  // Server Behavior for Custom Headers.
  {
    id: 'r2026-intermediary-forwards-unknown-param',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-behavior-for-custom-headers',
    level: 'MUST',
    party: 'server',
    rule: 'An intermediary passes on an Mcp-Param header it does not know, and otherwise ignores it.',
  },
  {
    id: 'r2026-server-rejects-invalid-param-chars',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-behavior-for-custom-headers',
    level: 'MUST',
    party: 'server',
    rule: 'A known Mcp-Param header with characters no header value may hold is refused.',
  },
  {
    id: 'r2026-server-validates-param-values',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-behavior-for-custom-headers',
    level: 'MUST',
    party: 'server',
    rule: 'A server that reads the body checks each Mcp-Param value, decoded, against the argument.',
  },
  {
    id: 'r2026-param-mismatch-400',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-behavior-for-custom-headers',
    level: 'MUST',
    party: 'server',
    rule: 'A failed Mcp-Param check gets 400 and -32020 (HeaderMismatch).',
  },
  {
    id: 'r2026-server-expects-no-absent-param',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-behavior-for-custom-headers',
    level: 'MUST NOT',
    party: 'server',
    rule: 'No Mcp-Param header is required for an argument that is null or absent.',
  },
  {
    id: 'r2026-server-rejects-missing-param',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-behavior-for-custom-headers',
    level: 'MUST',
    party: 'server',
    rule: 'A marked argument in the body without its Mcp-Param header is refused.',
  },

  // Case Sensitivity.
  {
    id: 'r2026-header-names-case-insensitive',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#case-sensitivity',
    level: 'MUST',
    party: 'both',
    rule: 'Header names compare without regard to case (values keep theirs).',
  },

  // Server Validation.
  {
    id: 'r2026-server-rejects-header-body-mismatch',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-validation',
    level: 'MUST',
    party: 'server',
    rule: 'A server that reads the body refuses a request whose headers say something else than the body, or lack a required one.',
  },
  {
    id: 'r2026-integers-compare-numerically',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-validation',
    level: 'SHOULD',
    party: 'server',
    rule: 'Integer header and body values compare as numbers (42.0 equals 42).',
  },
  {
    id: 'r2026-validation-failure-400-32020',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-validation',
    level: 'MUST',
    party: 'server',
    rule: 'A header validation failure gets 400 and a JSON-RPC error -32020 (HeaderMismatch).',
  },
  {
    id: 'r2026-validation-decodes-before-comparing',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-validation',
    level: 'MUST',
    party: 'server',
    rule: 'Validation decodes sentinel-encoded Mcp-Name and Mcp-Param values before comparing them.',
  },
  {
    id: 'r2026-intermediary-validation-error-status',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-validation',
    level: 'MUST',
    party: 'server',
    rule: 'An intermediary that finds a validation failure answers an HTTP error status; a JSON-RPC body is optional.',
    notImplemented:
      'The lab’s load balancer routes on Mcp-Session-Id only and validates no mirrored header, so it never finds a failure.',
  },
  {
    id: 'r2026-intermediary-checks-version',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-validation',
    level: 'SHOULD',
    party: 'server',
    rule: 'An intermediary that acts on mirrored headers first checks that MCP-Protocol-Version is one whose headers are validated.',
    notImplemented:
      'No intermediary of the course applies policy to mirrored headers (the lab’s load balancer routes on Mcp-Session-Id).',
  },
  {
    id: 'r2026-intermediary-rejects-unvalidated',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#server-validation',
    level: 'SHOULD',
    party: 'server',
    rule: 'Such an intermediary refuses a request with an older or absent version rather than trust its headers.',
    notImplemented:
      'No intermediary of the course applies policy to mirrored headers (the lab’s load balancer routes on Mcp-Session-Id).',
  },

  // Backward Compatibility.
  {
    id: 'r2026-client-reads-400-body',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#backward-compatibility',
    level: 'SHOULD',
    party: 'client',
    rule: 'A dual-era client reads a 400’s body before falling back to initialize: a modern JSON-RPC error means a modern server.',
  },
  {
    id: 'r2026-only-get-delete-405',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#earlier-streamable-http-revisions',
    level: 'SHOULD',
    party: 'server',
    rule: 'A 2026-only server answers GET and DELETE with 405.',
  },
  {
    id: 'r2026-only-ignores-session-id',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#earlier-streamable-http-revisions',
    level: 'SHOULD',
    party: 'server',
    rule: 'A 2026-only server ignores Mcp-Session-Id, and neither mints nor echoes one.',
  },
  {
    id: 'r2026-only-ignores-last-event-id',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#earlier-streamable-http-revisions',
    level: 'SHOULD',
    party: 'server',
    rule: 'A 2026-only server ignores Last-Event-ID: nothing resumes.',
  },
  {
    id: 'r2026-http-sse-not-adopted',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#httpsse-transport-2024-11-05',
    level: 'SHOULD NOT',
    party: 'both',
    rule: 'New implementations do not take up the deprecated HTTP+SSE transport.',
    notImplemented:
      'The course builds HTTP+SSE on purpose (stage 02), to show what Streamable HTTP replaced; stage 03 is what it recommends. A choice, not a behaviour a test can observe.',
  },
  {
    id: 'r2026-http-sse-migrate',
    revisions: ['2026-07-28'],
    section: 'basic/transports/streamable-http#httpsse-transport-2024-11-05',
    level: 'SHOULD',
    party: 'both',
    rule: 'Existing HTTP+SSE implementations move to Streamable HTTP.',
    notImplemented:
      'A recommendation about a codebase’s future, not a behaviour: stage 03 is the course’s migration of stage 02.',
  },
];

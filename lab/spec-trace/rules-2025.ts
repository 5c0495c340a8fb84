/**
 * The rules of Streamable HTTP in the handshake era's three transport pages,
 * revisions 2025-03-26, 2025-06-18 and 2025-11-25: every MUST, MUST NOT,
 * SHOULD and SHOULD NOT of the "Streamable HTTP" section and its "Security
 * Warning", one rule per statement, in the course's own words.
 *
 * Teaches: what a Streamable HTTP server and client owe each other, and how it
 * moved between revisions. A statement the three pages share is one rule with
 * three revisions; where a revision changed what a statement means (batches
 * gone in 2025-06-18, the version header from 2025-06-18, 403 and SSE polling
 * in 2025-11-25), each meaning is a rule of its own.
 * The "Backwards Compatibility" subsection states no rule: its advice is a
 * lower-case "should", not an RFC 2119 keyword. stdio and custom transports
 * are left out.
 * Implements: `basic/transports#streamable-http` of revisions 2025-03-26,
 * 2025-06-18 and 2025-11-25.
 * Read next: rule.ts, the shape of each entry.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @module
 */
import type { Revision, SpecRule } from './rule.ts';

const ALL: readonly Revision[] = ['2025-03-26', '2025-06-18', '2025-11-25'];
const FROM_2025_06_18: readonly Revision[] = ['2025-06-18', '2025-11-25'];
const BEFORE_2025_11_25: readonly Revision[] = ['2025-03-26', '2025-06-18'];
const ONLY_2025_11_25: readonly Revision[] = ['2025-11-25'];

const ENDPOINT = 'basic/transports#streamable-http';
const SECURITY = 'basic/transports#security-warning';
const SENDING = 'basic/transports#sending-messages-to-the-server';
const LISTENING = 'basic/transports#listening-for-messages-from-the-server';
const MULTIPLE = 'basic/transports#multiple-connections';
const RESUMING = 'basic/transports#resumability-and-redelivery';
const SESSIONS = 'basic/transports#session-management';
const VERSION_HEADER = 'basic/transports#protocol-version-header';

/** Every rule of the three pages, in the order the pages state them. */
export const RULES: readonly SpecRule[] = [
  // ── The endpoint ──
  {
    id: 'shttp-single-endpoint',
    revisions: ALL,
    section: ENDPOINT,
    level: 'MUST',
    party: 'server',
    rule: 'One endpoint path, the MCP endpoint, takes both POST and GET.',
  },

  // ── Security Warning ──
  {
    id: 'shttp-origin-validate',
    revisions: ALL,
    section: SECURITY,
    level: 'MUST',
    party: 'server',
    rule: 'Check the Origin header of every incoming connection (DNS rebinding).',
  },
  {
    id: 'shttp-origin-invalid-403',
    revisions: ONLY_2025_11_25,
    section: SECURITY,
    level: 'MUST',
    party: 'server',
    rule: 'An Origin that is present and not allowed gets 403 Forbidden.',
  },
  {
    id: 'shttp-bind-localhost',
    revisions: ALL,
    section: SECURITY,
    level: 'SHOULD',
    party: 'server',
    rule: 'A local server listens on 127.0.0.1 only, not on every interface.',
    notImplemented:
      'Built (every stage listens through shared/http/loopback-server.ts on 127.0.0.1), but a test ' +
      'would have to reach the machine on another interface, and which ones exist depends on the host.',
  },
  {
    id: 'shttp-authenticate-connections',
    revisions: ALL,
    section: SECURITY,
    level: 'SHOULD',
    party: 'server',
    rule: 'Authenticate every connection.',
    notImplemented:
      'The course builds no authentication: its servers are loopback demos, and authorization ' +
      'is a specification page of its own, outside the transport.',
  },

  // ── Sending Messages to the Server ──
  {
    id: 'shttp-client-new-post-per-message',
    revisions: ALL,
    section: SENDING,
    level: 'MUST',
    party: 'client',
    rule: 'Each message the client sends is a new POST to the MCP endpoint.',
  },
  {
    id: 'shttp-client-post-method',
    revisions: ALL,
    section: SENDING,
    level: 'MUST',
    party: 'client',
    rule: 'The client sends JSON-RPC messages with the POST method.',
  },
  {
    id: 'shttp-post-accept-both',
    revisions: ALL,
    section: SENDING,
    level: 'MUST',
    party: 'client',
    rule: 'A POST lists both application/json and text/event-stream in Accept.',
  },
  {
    id: 'shttp-post-body-message-or-batch',
    revisions: ['2025-03-26'],
    section: SENDING,
    level: 'MUST',
    party: 'client',
    rule: 'A POST body is one message, a batch of requests and notifications, or a batch of responses.',
  },
  {
    id: 'shttp-post-body-single-message',
    revisions: FROM_2025_06_18,
    section: SENDING,
    level: 'MUST',
    party: 'client',
    rule: 'A POST body is exactly one request, notification or response: no batches.',
  },
  {
    id: 'shttp-post-202-accepted',
    revisions: ALL,
    section: SENDING,
    level: 'MUST',
    party: 'server',
    rule: 'Accepted input with no request in it (notifications, responses) gets 202 and an empty body.',
  },
  {
    id: 'shttp-post-not-accepted-error-status',
    revisions: ALL,
    section: SENDING,
    level: 'MUST',
    party: 'server',
    rule: 'Notifications or responses the server will not take get an HTTP error status.',
  },
  {
    id: 'shttp-post-request-json-or-sse',
    revisions: ALL,
    section: SENDING,
    level: 'MUST',
    party: 'server',
    rule: 'A POST carrying a request is answered as text/event-stream or as application/json.',
  },
  {
    id: 'shttp-client-accepts-json-and-sse',
    revisions: ALL,
    section: SENDING,
    level: 'MUST',
    party: 'client',
    rule: 'The client handles both answer types: a JSON body and an SSE stream.',
  },
  {
    id: 'shttp-post-sse-priming-event',
    revisions: ONLY_2025_11_25,
    section: SENDING,
    level: 'SHOULD',
    party: 'server',
    rule: 'An SSE answer starts at once with an event that has an id and empty data.',
  },
  {
    id: 'shttp-client-poll-after-close',
    revisions: ONLY_2025_11_25,
    section: SENDING,
    level: 'SHOULD',
    party: 'client',
    rule: 'When the server closes the connection but not the stream, the client reconnects (polls).',
  },
  {
    id: 'shttp-sse-retry-before-close',
    revisions: ONLY_2025_11_25,
    section: SENDING,
    level: 'SHOULD',
    party: 'server',
    rule: 'Before closing a connection whose stream goes on, send an event with a retry field.',
  },
  {
    id: 'shttp-client-respect-retry',
    revisions: ONLY_2025_11_25,
    section: SENDING,
    level: 'MUST',
    party: 'client',
    rule: 'The client waits the retry milliseconds before reconnecting.',
  },
  {
    id: 'shttp-post-sse-includes-response',
    revisions: ALL,
    section: SENDING,
    level: 'SHOULD',
    party: 'server',
    rule: 'The SSE answer to a POST ends up carrying the response to its request(s).',
  },
  {
    id: 'shttp-post-sse-related-messages',
    revisions: ALL,
    section: SENDING,
    level: 'SHOULD',
    party: 'server',
    rule: 'Requests and notifications sent on a POST stream before the response concern that request.',
  },
  {
    id: 'shttp-post-sse-no-close-before-response',
    revisions: BEFORE_2025_11_25,
    section: SENDING,
    level: 'SHOULD NOT',
    party: 'server',
    rule: 'Do not close a POST stream before its response, unless the session expires.',
  },
  {
    id: 'shttp-post-sse-close-after-response',
    revisions: ALL,
    section: SENDING,
    level: 'SHOULD',
    party: 'server',
    rule: 'Once the response is sent, end the SSE stream.',
  },
  {
    id: 'shttp-disconnect-not-cancel',
    revisions: ALL,
    section: SENDING,
    level: 'SHOULD NOT',
    party: 'server',
    rule: 'A dropped connection is not taken as the client cancelling its request.',
    deviates:
      'A dropped connection never stops a tool whose answer is a stream of a session (its events ' +
      'have ids; the answer waits for a resume). It does stop one whose answer cannot be resumed: ' +
      'a JSON answer or a batch (no event id), any answer in sessionless mode, and stage 01. ' +
      'Nothing could ever deliver those answers, so the resume this rule protects cannot happen, ' +
      'and work nobody can receive only costs the server.',
  },
  {
    id: 'shttp-client-cancel-explicitly',
    revisions: ALL,
    section: SENDING,
    level: 'SHOULD',
    party: 'client',
    rule: 'To cancel, the client sends notifications/cancelled.',
  },

  // ── Listening for Messages from the Server ──
  {
    id: 'shttp-get-accept-sse',
    revisions: ALL,
    section: LISTENING,
    level: 'MUST',
    party: 'client',
    rule: 'A GET lists text/event-stream in Accept.',
  },
  {
    id: 'shttp-get-sse-or-405',
    revisions: ALL,
    section: LISTENING,
    level: 'MUST',
    party: 'server',
    rule: 'A GET is answered with text/event-stream, or with 405 when there is no stream to offer.',
  },
  {
    id: 'shttp-get-unrelated-messages',
    revisions: ALL,
    section: LISTENING,
    level: 'SHOULD',
    party: 'server',
    rule: 'Messages on the GET stream are unrelated to any request the client has running.',
    notImplemented:
      'The demo server starts no messages of its own, so its GET stream carries none to be related ' +
      'or not; the test for shttp-get-no-response shows that it stays empty.',
  },
  {
    id: 'shttp-get-no-response',
    revisions: ALL,
    section: LISTENING,
    level: 'MUST NOT',
    party: 'server',
    rule: 'No JSON-RPC response on the GET stream, except when resuming a request’s stream.',
  },
  {
    id: 'shttp-get-poll-retry',
    revisions: ONLY_2025_11_25,
    section: LISTENING,
    level: 'SHOULD',
    party: 'server',
    rule: 'Closing a GET connection without ending its stream: send retry first, let the client reconnect.',
  },

  // ── Multiple Connections ──
  {
    id: 'shttp-one-stream-per-message',
    revisions: ALL,
    section: MULTIPLE,
    level: 'MUST',
    party: 'server',
    rule: 'Each server message goes out on exactly one of the open streams.',
  },
  {
    id: 'shttp-no-broadcast',
    revisions: ALL,
    section: MULTIPLE,
    level: 'MUST NOT',
    party: 'server',
    rule: 'Never copy one message onto several streams.',
  },

  // ── Resumability and Redelivery ──
  {
    id: 'shttp-event-id-unique',
    revisions: ALL,
    section: RESUMING,
    level: 'MUST',
    party: 'server',
    rule: 'An event id is unique across every stream of the session (or of the client, without one).',
  },
  {
    id: 'shttp-event-id-names-stream',
    revisions: ONLY_2025_11_25,
    section: RESUMING,
    level: 'SHOULD',
    party: 'server',
    rule: 'An event id tells which stream it came from, so Last-Event-ID finds that stream.',
  },
  {
    id: 'shttp-client-resume-with-get',
    revisions: BEFORE_2025_11_25,
    section: RESUMING,
    level: 'SHOULD',
    party: 'client',
    rule: 'After a broken connection, resume with GET and the last event id in Last-Event-ID.',
  },
  {
    id: 'shttp-client-resume-after-any-disconnect',
    revisions: ONLY_2025_11_25,
    section: RESUMING,
    level: 'SHOULD',
    party: 'client',
    rule: 'After any disconnection, network or server-initiated, resume with GET and Last-Event-ID.',
  },
  {
    id: 'shttp-no-cross-stream-replay',
    revisions: ALL,
    section: RESUMING,
    level: 'MUST NOT',
    party: 'server',
    rule: 'A resume replays only the disconnected stream’s messages, never another stream’s.',
  },

  // ── Session Management ──
  {
    id: 'shttp-session-id-secure',
    revisions: ALL,
    section: SESSIONS,
    level: 'SHOULD',
    party: 'server',
    rule: 'A session id is globally unique and cryptographically secure.',
    notImplemented:
      'Built (sessions.ts mints randomUUID()), but security is not observable from outside: the ' +
      'test "mints a different session id for every initialize" shows uniqueness only.',
  },
  {
    id: 'shttp-session-id-visible-ascii',
    revisions: ALL,
    section: SESSIONS,
    level: 'MUST',
    party: 'server',
    rule: 'A session id holds only visible ASCII, 0x21 to 0x7E.',
  },
  {
    id: 'shttp-client-session-id-handling',
    revisions: ONLY_2025_11_25,
    section: SESSIONS,
    level: 'MUST',
    party: 'client',
    rule: 'The client keeps the session id safe (see the session hijacking guidance).',
    notImplemented:
      'The client holds the id in memory and sends it only to the endpoint that minted it; ' +
      '"safe" is a property of the whole deployment, which no test of the transport can observe.',
  },
  {
    id: 'shttp-client-send-session-id',
    revisions: ALL,
    section: SESSIONS,
    level: 'MUST',
    party: 'client',
    rule: 'Once initialize returned a session id, every later request carries it.',
  },
  {
    id: 'shttp-session-400-missing',
    revisions: ALL,
    section: SESSIONS,
    level: 'SHOULD',
    party: 'server',
    rule: 'A server that requires sessions answers a non-initialize request without one with 400.',
  },
  {
    id: 'shttp-session-404-unknown',
    revisions: ALL,
    section: SESSIONS,
    level: 'MUST',
    party: 'server',
    rule: 'Once a session is ended, requests naming it get 404 Not Found.',
  },
  {
    id: 'shttp-client-404-reinitialize',
    revisions: ALL,
    section: SESSIONS,
    level: 'MUST',
    party: 'client',
    rule: 'On 404 for a request with a session id, the client initializes anew, without a session id.',
  },
  {
    id: 'shttp-client-delete-session',
    revisions: ALL,
    section: SESSIONS,
    level: 'SHOULD',
    party: 'client',
    rule: 'A client done with its session ends it with DELETE and the session id.',
  },

  // ── Protocol Version Header (2025-06-18 on) ──
  {
    id: 'shttp-client-version-header',
    revisions: FROM_2025_06_18,
    section: VERSION_HEADER,
    level: 'MUST',
    party: 'client',
    rule: 'After initialize, every request carries MCP-Protocol-Version.',
  },
  {
    id: 'shttp-client-version-negotiated',
    revisions: FROM_2025_06_18,
    section: VERSION_HEADER,
    level: 'SHOULD',
    party: 'client',
    rule: 'The version header names the version initialize negotiated.',
  },
  {
    id: 'shttp-server-assume-2025-03-26',
    revisions: FROM_2025_06_18,
    section: VERSION_HEADER,
    level: 'SHOULD',
    party: 'server',
    rule: 'No version header and no other clue (such as the session): assume 2025-03-26.',
  },
  {
    id: 'shttp-version-header-400-unsupported',
    revisions: FROM_2025_06_18,
    section: VERSION_HEADER,
    level: 'MUST',
    party: 'server',
    rule: 'An invalid or unsupported MCP-Protocol-Version gets 400 Bad Request.',
  },
];

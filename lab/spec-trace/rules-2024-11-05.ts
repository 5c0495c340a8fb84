/**
 * The rules of "HTTP with SSE", revision 2024-11-05: the transport of stage 02,
 * and its security warning. Six statements, in the order the page makes them.
 *
 * Teaches: how little the first HTTP transport required. Two endpoints, one
 * `endpoint` event, POSTs to where it points, and a checked `Origin`: the
 * `?sessionId=` query, the `202 Accepted` and the `message` event's JSON are
 * conventions (the official SDK's) or plain prose, not MUST or SHOULD.
 * Implements: "HTTP with SSE" and its "Security Warning", revision 2024-11-05
 * (stdio and custom transports left out: they bind no HTTP server).
 * Read next: trace.ts, which joins these rules with the tests that name them;
 * ../../02-http-sse/spec-2024-11-05.test.ts, which proves the ones other tests did not.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 * @module
 */
import type { SpecRule } from './rule.ts';

/** The normative statements of HTTP with SSE, 2024-11-05. */
export const RULES: readonly SpecRule[] = [
  {
    id: 'sse-origin-validated',
    revisions: ['2024-11-05'],
    section: 'basic/transports#security-warning',
    level: 'MUST',
    party: 'server',
    rule: 'Check the `Origin` header of every incoming connection, against DNS rebinding.',
  },
  {
    id: 'sse-local-binds-loopback',
    revisions: ['2024-11-05'],
    section: 'basic/transports#security-warning',
    level: 'SHOULD',
    party: 'server',
    rule: 'A server run locally listens on 127.0.0.1 only, not on every interface.',
  },
  {
    id: 'sse-authenticates-connections',
    revisions: ['2024-11-05'],
    section: 'basic/transports#security-warning',
    level: 'SHOULD',
    party: 'server',
    rule: 'Authenticate every connection.',
    notImplemented:
      'the course builds no authentication: its servers listen on loopback only and accept only loopback `Host` names and known origins',
  },
  {
    id: 'sse-two-endpoints',
    revisions: ['2024-11-05'],
    section: 'basic/transports#http-with-sse',
    level: 'MUST',
    party: 'server',
    rule: 'Offer two endpoints: an SSE stream for server messages and a POST endpoint for client messages.',
  },
  {
    id: 'sse-endpoint-event',
    revisions: ['2024-11-05'],
    section: 'basic/transports#http-with-sse',
    level: 'MUST',
    party: 'server',
    rule: 'When a client connects, send an `endpoint` event holding the URI the client is to POST to.',
  },
  {
    id: 'sse-client-posts-to-endpoint',
    revisions: ['2024-11-05'],
    section: 'basic/transports#http-with-sse',
    level: 'MUST',
    party: 'client',
    rule: 'Send every later message as an HTTP POST to the URI of the `endpoint` event.',
  },
];

/**
 * The command the conformance suite runs in client mode: this stage's client
 * library, driven by the scenario the suite names.
 *
 * The suite starts a mock server, then runs this file with the server's URL as
 * the last argument and the scenario in `MCP_CONFORMANCE_SCENARIO`, and checks
 * what the client sent. It is a harness, not a lesson: the lesson is
 * ../../03-streamable-http/client-transport.ts.
 * Read next: run.ts, which runs the suite against it.
 * @see https://github.com/modelcontextprotocol/conformance#client-testing
 * @module
 */
import type { JsonObject } from '../../shared/protocol/jsonrpc.ts';
import { McpClient } from '../../shared/protocol/mcp-client.ts';
import { isSupportedVersion } from '../../shared/protocol/versions.ts';
import { StreamableHttpClientTransport } from '../../03-streamable-http/client-transport.ts';

/** The tool each scenario's mock server expects a call to, and with what. */
const CALLS: Record<string, { name: string; arguments: JsonObject } | undefined> = {
  tools_call: { name: 'add_numbers', arguments: { a: 5, b: 3 } },
  'sse-retry': { name: 'test_reconnection', arguments: {} },
};

const url = process.argv.at(-1);
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const requested = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION ?? '2025-11-25';
if (!url?.startsWith('http')) throw new Error('usage: client-adapter.ts <server-url>');
if (!isSupportedVersion(requested)) throw new Error(`This client does not speak ${requested}`);

const transport = new StreamableHttpClientTransport(url);
const client = new McpClient({
  transport,
  clientInfo: { name: 'mcp-transports-course/03-client', version: '1.0.0' },
  protocolVersion: requested,
  timeoutMs: 20_000,
});
try {
  // Handshake era: initialize. 2026-07-28: nothing; every request carries its own _meta and headers.
  await client.connect();
  await client.listTools();
  const call = CALLS[scenario];
  if (call) await client.callTool(call.name, call.arguments);
} finally {
  await client.close();
}

/**
 * The command the conformance suite runs in client mode: this stage's client
 * library, driven by the scenario the suite names.
 *
 * The suite starts a mock server, then runs this file with the server's URL as
 * the last argument, the scenario in `MCP_CONFORMANCE_SCENARIO` (and, for some,
 * the calls to make in `MCP_CONFORMANCE_CONTEXT`), and checks what the client sent. It is a harness, not a lesson: the lesson is
 * ../../03-streamable-http/client-transport.ts.
 * Read next: run.ts, which runs the suite against it.
 * @see https://github.com/modelcontextprotocol/conformance#client-testing
 * @module
 */
import { isPlainObject, type JsonObject } from '../../shared/protocol/jsonrpc.ts';
import { McpClient } from '../../shared/protocol/mcp-client.ts';
import type { ToolDefinition } from '../../shared/protocol/tools.ts';
import { isSupportedVersion } from '../../shared/protocol/versions.ts';
import { StreamableHttpClientTransport } from '../../03-streamable-http/client-transport.ts';

/** What a scenario's mock server waits for once the client has listed its tools. */
type Scenario = (client: McpClient, tools: ToolDefinition[]) => Promise<void>;

/** Calls every tool in the suite's context (`{ toolCalls: [{ name, arguments }] }`). */
const callsFromContext: Scenario = async (client) => {
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as unknown;
  const calls = isPlainObject(context) && Array.isArray(context.toolCalls) ? context.toolCalls : [];
  for (const call of calls as { name: string; arguments: JsonObject }[]) {
    await client.callTool(call.name, call.arguments);
  }
};

/** Calls every tool the client kept: a tool it excluded must never be called. */
const callEveryTool: Scenario = async (client, tools) => {
  for (const tool of tools) await client.callTool(tool.name, {});
};

const SCENARIOS: Record<string, Scenario | undefined> = {
  tools_call: (client) => client.callTool('add_numbers', { a: 5, b: 3 }).then(() => {}),
  'sse-retry': (client) => client.callTool('test_reconnection', {}).then(() => {}),
  'http-custom-headers': callsFromContext,
  'http-invalid-tool-headers': callEveryTool,
  // Every request that carries Mcp-Name: a call, a resource read, a prompt.
  'http-standard-headers': async (client, tools) => {
    await callEveryTool(client, tools.slice(0, 1));
    const { resources } = await client.request('resources/list');
    const [resource] = Array.isArray(resources) ? (resources as { uri: string }[]) : [];
    if (resource) await client.request('resources/read', { uri: resource.uri });
    const { prompts } = await client.request('prompts/list');
    const [prompt] = Array.isArray(prompts) ? (prompts as { name: string }[]) : [];
    if (prompt) await client.request('prompts/get', { name: prompt.name, arguments: {} });
  },
  // The schema as the client received it goes back verbatim: nothing stripped or resolved.
  'json-schema-2020-12-preservation': async (client, tools) => {
    const focal = tools.find((tool) => tool.name === 'json_schema_2020_12_tool');
    if (focal) await client.callTool('json_schema_echo', { schema: focal.inputSchema });
  },
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
  const tools = await client.listTools();
  await SCENARIOS[scenario]?.(client, tools);
} finally {
  await client.close();
}

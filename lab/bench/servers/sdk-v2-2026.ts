/**
 * Bench server: the official SDK v2 (@modelcontextprotocol/server 2.4) serving
 * revision 2026-07-28 the way the SDK intends: createMcpHandler with a factory,
 * so a fresh McpServer is built for every request; no session, no handshake.
 * `legacy: 'reject'`: handshake-era requests (initialize first of all) are
 * refused, so this measures the 2026 path only. Answers are JSON unless the
 * tool sends something before its result (responseMode 'auto'). Served on
 * node:http through a small fetch bridge (serve.ts). A reference for the
 * course's 2026-07-28 stage 03. Every request carries MCP-Protocol-Version,
 * Mcp-Method, Mcp-Name and params._meta (protocol version, client capabilities).
 * Read next: ../../../03-streamable-http/revision-2026.ts, the course's
 * 2026-07-28 path.
 * @module
 */
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { isEntryPoint } from '../../../shared/cli.ts';
import { fetchToNode, serveBench } from './serve.ts';

/** The bench's MCP server: one `echo` tool. */
export function echoServerV2(): McpServer {
  const mcp = new McpServer({ name: 'bench-sdk-v2', version: '1.0.0' });
  mcp.registerTool(
    'echo',
    { description: 'Returns the text.', inputSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return mcp;
}

if (isEntryPoint(import.meta.url)) {
  const handler = createMcpHandler(echoServerV2, { legacy: 'reject' });
  await serveBench(
    fetchToNode((request) => handler.fetch(request)),
    { path: '/mcp', close: () => handler.close() },
  );
}

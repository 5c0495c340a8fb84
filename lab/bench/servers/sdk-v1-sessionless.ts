/**
 * Bench server: the official SDK v1 (@modelcontextprotocol/sdk 1.32), Streamable
 * HTTP in its sessionless shape (the SDK calls it sessionless), as the SDK's simpleStatelessStreamableHttp
 * example builds it: createMcpExpressApp() (express, express.json(), a Host
 * check), and a new McpServer + transport for every POST (sessionIdGenerator
 * undefined), closed when the response closes. JSON answers
 * (enableJsonResponse). A reference for the course's sessionless stage 03:
 * what a real SDK costs per request, per-request construction included.
 * No initialize needed: POST tools/call straight away.
 * Read next: sdk-v1-stateful-json.ts, the same SDK with sessions.
 * @module
 */
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod';
import { isEntryPoint } from '../../../shared/cli.ts';
import { serveBench } from './serve.ts';

/** The bench's MCP server: one `echo` tool. */
export function echoServerV1(): McpServer {
  const mcp = new McpServer({ name: 'bench-sdk-v1', version: '1.0.0' });
  mcp.registerTool(
    'echo',
    { description: 'Returns the text.', inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return mcp;
}

if (isEntryPoint(import.meta.url)) {
  const app = createMcpExpressApp();
  app.post('/mcp', async (req, res) => {
    const mcp = echoServerV1();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    // Registered before handleRequest: by the time it resolves the response may already be closed.
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    try {
      await mcp.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch {
      if (!res.headersSent) res.status(500).end();
    }
  });
  await serveBench(app, { path: '/mcp' });
}

/**
 * Bench server: the official SDK v2 (@modelcontextprotocol/server 2.4) in the
 * handshake era: WebStandardStreamableHTTPServerTransport with sessions (one
 * McpServer + transport per initialize, kept in a map by Mcp-Session-Id until
 * DELETE), served on node:http through a small fetch bridge (serve.ts; the
 * SDK's Node adapter, @modelcontextprotocol/node, is not installed). JSON
 * answers (enableJsonResponse: true), to match sdk-v1-stateful-json.ts; the
 * SDK's own default is SSE answers (enableJsonResponse false). A reference for
 * the course's stage 03 with sessions, and for what v2 changed against v1.
 * Needs initialize first, then Mcp-Session-Id on every request.
 * Read next: sdk-v2-2026.ts, the same SDK in revision 2026-07-28.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { isEntryPoint } from '../../../shared/cli.ts';
import { echoServerV2 } from './sdk-v2-2026.ts';
import { fetchToNode, serveBench } from './serve.ts';

const noSession = (status: number): Response =>
  Response.json(
    { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'No valid session' } },
    { status },
  );

if (isEntryPoint(import.meta.url)) {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const handle = async (request: Request): Promise<Response> => {
    if (new URL(request.url).pathname !== '/mcp') return noSession(404);
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId !== null) {
      return sessions.get(sessionId)?.handleRequest(request) ?? noSession(404);
    }
    if (request.method !== 'POST') return noSession(400);
    // No session yet: a new transport, which the SDK keeps only if this is an initialize.
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await echoServerV2().connect(transport);
    const response = await transport.handleRequest(request);
    if (transport.sessionId === undefined) await transport.close();
    return response;
  };
  await serveBench(fetchToNode(handle), {
    path: '/mcp',
    sessions: () => sessions.size,
    close: async () => {
      await Promise.all([...sessions.values()].map((transport) => transport.close()));
    },
  });
}

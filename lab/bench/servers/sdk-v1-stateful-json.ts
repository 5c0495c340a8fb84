/**
 * Bench server: the official SDK v1 (@modelcontextprotocol/sdk 1.32), Streamable
 * HTTP in its stateful shape, as the SDK's jsonResponseStreamableHttp example
 * builds it: createMcpExpressApp(), a session (McpServer + transport) per
 * initialize, kept in a map by Mcp-Session-Id until DELETE. JSON answers
 * (enableJsonResponse). A reference for the course's stage 03 with sessions.
 * Needs initialize first (its answer carries Mcp-Session-Id), then the
 * session id on every request.
 * Read next: sdk-v1-stateful-sse.ts, the same with SSE answers.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { isEntryPoint } from '../../../shared/cli.ts';
import { echoServerV1 } from './sdk-v1-sessionless.ts';
import { serveBench } from './serve.ts';

/** Serves SDK v1 sessions on /mcp, with JSON or SSE answers. */
export async function serveStatefulV1(enableJsonResponse: boolean): Promise<void> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const app = createMcpExpressApp();
  app.all('/mcp', async (req: Request, res: Response) => {
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined || req.method !== 'POST' || !isInitializeRequest(req.body)) {
        res.status(sessionId === undefined ? 400 : 404).json({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32000, message: 'No valid session' },
        });
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse,
        onsessioninitialized: (id) => void sessions.set(id, created),
      });
      created.onclose = () => {
        if (created.sessionId !== undefined) sessions.delete(created.sessionId);
      };
      await echoServerV1().connect(created);
      transport = created;
    }
    try {
      await transport.handleRequest(req, res, req.body);
    } catch {
      if (!res.headersSent) res.status(500).end();
    }
  });
  await serveBench(app, {
    path: '/mcp',
    sessions: () => sessions.size,
    close: async () => {
      await Promise.all([...sessions.values()].map((transport) => transport.close()));
    },
  });
}

if (isEntryPoint(import.meta.url)) await serveStatefulV1(true);

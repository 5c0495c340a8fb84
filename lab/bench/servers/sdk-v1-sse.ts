/**
 * Bench server: the official SDK v1 (@modelcontextprotocol/sdk 1.32), the
 * deprecated HTTP+SSE transport (revision 2024-11-05) as the SDK's
 * simpleSseServer example builds it: createMcpExpressApp(), GET /sse opens a
 * session (McpServer + SSEServerTransport) whose first event names
 * `/messages?sessionId=…`; each POST there is answered 202, and the JSON-RPC
 * answer arrives as a `message` event on the GET stream. A reference for the
 * course's stage 02.
 * Read next: ../../../02-http-sse/server.ts, the course's version of this
 * transport.
 * @module
 */
import type { Request, Response } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { isEntryPoint } from '../../../shared/cli.ts';
import { echoServerV1 } from './sdk-v1-sessionless.ts';
import { serveBench } from './serve.ts';

if (isEntryPoint(import.meta.url)) {
  const sessions = new Map<string, SSEServerTransport>();
  const app = createMcpExpressApp();
  app.get('/sse', async (_req: Request, res: Response) => {
    const transport = new SSEServerTransport('/messages', res);
    sessions.set(transport.sessionId, transport);
    transport.onclose = () => sessions.delete(transport.sessionId);
    await echoServerV1().connect(transport);
  });
  app.post('/messages', async (req: Request, res: Response) => {
    const { sessionId } = req.query;
    const transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport) {
      res.status(404).send('Session not found');
      return;
    }
    try {
      await transport.handlePostMessage(req, res, req.body);
    } catch {
      if (!res.headersSent) res.status(500).end();
    }
  });
  await serveBench(app, {
    path: '/sse',
    sessions: () => sessions.size,
    close: async () => {
      await Promise.all([...sessions.values()].map((transport) => transport.close()));
    },
  });
}

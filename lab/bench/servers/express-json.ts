/**
 * Bench server: the framework's floor. Express 5 with express.json() and the
 * same minimal JSON-RPC as raw-http.ts (minimal-jsonrpc.ts), so the gap
 * between the two is what express and its body parser cost; the course's
 * servers and the SDKs, which are built on express or do more per request,
 * are measured against it. POST /mcp only; sessionless; always a JSON answer.
 * Read next: raw-http.ts, the limit it is measured against.
 * @module
 */
import express from 'express';
import { isEntryPoint } from '../../../shared/cli.ts';
import { answer, PARSE_ERROR } from './minimal-jsonrpc.ts';
import { serveBench } from './serve.ts';

if (isEntryPoint(import.meta.url)) {
  const app = express();
  app.use(express.json());
  app.post('/mcp', (req, res) => {
    const reply = answer(req.body);
    if (reply.body === undefined) res.status(reply.status).end();
    else res.status(reply.status).json(reply.body);
  });
  // A body that is not JSON: express.json() throws a SyntaxError before the route runs.
  app.use(
    (
      _error: unknown,
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res.status(PARSE_ERROR.status).json(PARSE_ERROR.body);
    },
  );
  await serveBench(app, { path: '/mcp' });
}

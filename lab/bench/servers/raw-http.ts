/**
 * Bench server: the limit. Plain node:http, the body read by hand, JSON.parse,
 * and the least JSON-RPC that answers `tools/call echo` (minimal-jsonrpc.ts).
 * No framework, no validation, no sessions: nothing an MCP server can do with
 * less work, so every other server in the bench is measured against it.
 * POST /mcp only; sessionless; always a JSON answer.
 * Read next: express-json.ts, the same answers through express.
 * @module
 */
import { isEntryPoint } from '../../../shared/cli.ts';
import { answer, PARSE_ERROR, type Answer } from './minimal-jsonrpc.ts';
import { serveBench } from './serve.ts';

if (isEntryPoint(import.meta.url)) {
  await serveBench(
    (req, res) => {
      if (req.method !== 'POST' || req.url !== '/mcp') {
        res.writeHead(req.url === '/mcp' ? 405 : 404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let reply: Answer;
        try {
          reply = answer(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reply = PARSE_ERROR;
        }
        if (reply.body === undefined) {
          res.writeHead(reply.status).end();
          return;
        }
        const json = JSON.stringify(reply.body);
        res
          .writeHead(reply.status, {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(json),
          })
          .end(json);
      });
    },
    { path: '/mcp' },
  );
}

// The lab's balancer as an intermediary of revision 2026-07-28: it routes
// without reading bodies, and passes every Mcp-Param header on untouched,
// the ones it has never heard of included.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listenOnLoopback } from '../../shared/cli.ts';
import { startBalancer, type Balancer } from './balancer.ts';

const seen: IncomingHttpHeaders[] = [];
const upstream = createServer((req, res) => {
  seen.push(req.headers);
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"jsonrpc":"2.0","id":1,"result":{"resultType":"complete"}}');
  });
});
let balancer: Balancer;

beforeAll(async () => {
  const port = await listenOnLoopback(upstream, 0);
  balancer = await startBalancer({ upstreams: [`http://127.0.0.1:${port}`] });
});
afterAll(async () => {
  await balancer.close();
  await new Promise((resolve) => upstream.close(resolve));
});

it('passes on an Mcp-Param header it does not know, unchanged, with the request-metadata headers (spec: r2026-intermediary-forwards-unknown-param)', async () => {
  const headers = {
    'Content-Type': 'application/json',
    'MCP-Protocol-Version': '2026-07-28',
    'Mcp-Method': 'tools/call',
    'Mcp-Name': 'search_issues',
    'Mcp-Param-Region': 'eu-west1',
    'Mcp-Param-Never-Declared': '=?base64?w6k=?=',
  };
  const response = await fetch(`${balancer.url}/mcp`, { method: 'POST', headers, body: '{}' });
  expect(response.status).toBe(200);
  expect(seen.at(-1)).toMatchObject({
    'mcp-method': 'tools/call',
    'mcp-name': 'search_issues',
    'mcp-param-region': 'eu-west1',
    'mcp-param-never-declared': '=?base64?w6k=?=',
  });
});

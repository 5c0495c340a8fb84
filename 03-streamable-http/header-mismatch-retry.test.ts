// The stage 03 client after a HeaderMismatch (-32020) in 2026-07-28: its tool
// definition may be stale, so it lists tools again and retries the call once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JsonObject } from '../shared/protocol/jsonrpc.ts';
import { McpClient } from '../shared/protocol/mcp-client.ts';
import type { Tool } from '../shared/protocol/tools.ts';
import { StreamableHttpClientTransport } from './client-transport.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

/** A tool that, as first listed, mirrors nothing into headers. */
const regionSchema: JsonObject = { type: 'string' };
const regional: Tool<never> = {
  name: 'regional',
  description: 'Routes by region.',
  inputSchema: { type: 'object', properties: { region: regionSchema } },
  run: () => Promise.resolve({ content: [{ type: 'text', text: 'routed' }] }),
};

let server: StreamableHttpServer;
beforeAll(async () => {
  server = await createStreamableHttpServer({ port: 0, tools: [regional] });
});
afterAll(() => server.close());

it('lists tools again after a -32020 and retries the call with the header the new definition asks for ([spec 2026-07-28] "the client SHOULD call tools/list ... then retry") (spec: r2026-client-relists-on-header-mismatch)', async () => {
  const sent: { method: string; param: string | null }[] = [];
  const counting: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    sent.push({ method: headers.get('mcp-method') ?? '', param: headers.get('mcp-param-region') });
    return fetch(input, init);
  };
  const transport = new StreamableHttpClientTransport(server.url, {}, { fetch: counting });
  const client = new McpClient({
    transport,
    clientInfo: { name: 'retry-test', version: '1.0.0' },
    protocolVersion: '2026-07-28',
  });
  await client.connect();
  await client.listTools();
  // The server's tool changes after the client listed it: `region` is now mirrored.
  regionSchema['x-mcp-header'] = 'Region';

  const result = await client.callTool('regional', { region: 'eu-west1' });

  expect(result.content).toEqual([{ type: 'text', text: 'routed' }]);
  expect(sent).toEqual([
    { method: 'tools/list', param: null },
    { method: 'tools/call', param: null }, // stale definition: refused with -32020
    { method: 'tools/list', param: null },
    { method: 'tools/call', param: 'eu-west1' },
  ]);
  await client.close();
});

it('retries only once: a second -32020 reaches the caller', async () => {
  let calls = 0;
  // Every tools/call loses its Mcp-Param-Region header on the way, as a broken proxy might.
  const stripping: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (headers.get('mcp-method') === 'tools/call') calls += 1;
    headers.delete('mcp-param-region');
    return fetch(input, { ...init, headers });
  };
  regionSchema['x-mcp-header'] = 'Region';
  const transport = new StreamableHttpClientTransport(server.url, {}, { fetch: stripping });
  const client = new McpClient({
    transport,
    clientInfo: { name: 'retry-test', version: '1.0.0' },
    protocolVersion: '2026-07-28',
  });
  await client.connect();
  await client.listTools();

  await expect(client.callTool('regional', { region: 'eu-west1' })).rejects.toMatchObject({
    code: -32020,
  });
  expect(calls).toBe(2);
  await client.close();
});

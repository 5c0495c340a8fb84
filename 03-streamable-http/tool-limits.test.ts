// Tool arguments over maxToolArgumentsBytes on stage 03's wire: a 400 in
// 2026-07-28 that a dual-era client reads as a refusal of its call, not as a
// handshake-only server; a -32602 in a 200 in the handshake era.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcError } from '../shared/protocol/jsonrpc.ts';
import { firstText } from '../shared/protocol/tools.ts';
import { MetaKey } from '../shared/protocol/versions.ts';
import { StreamableHttpClientTransport } from './client-transport.ts';
import { connectInEra } from './client.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

const LIMIT = 1024;
let server: StreamableHttpServer;
beforeAll(async () => {
  server = await createStreamableHttpServer({ port: 0, limits: { maxToolArgumentsBytes: LIMIT } });
});
afterAll(() => server.close());

const tooLarge = { text: 'a'.repeat(2 * LIMIT) };

describe('tool arguments over maxToolArgumentsBytes', () => {
  it('are answered 400 in 2026-07-28, with the request id, -32602 and data naming the limit', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': '2026-07-28',
        'Mcp-Method': 'tools/call',
        'Mcp-Name': 'echo',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: {
          name: 'echo',
          arguments: tooLarge,
          _meta: { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} },
        },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      id: 5,
      error: { code: -32602, data: { limit: 'maxToolArgumentsBytes', value: LIMIT } },
    });
  });

  it('reach a dual-era client as the refusal of that call: it stays on 2026-07-28 and its next call is served', async () => {
    const client = await connectInEra(new StreamableHttpClientTransport(server.url), '2026-07-28');
    expect(client.protocolVersion).toBe('2026-07-28');
    const refused = await client.callTool('echo', tooLarge).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(JsonRpcError);
    expect(refused).toMatchObject({ code: -32602, data: { limit: 'maxToolArgumentsBytes' } });
    expect(client.protocolVersion).toBe('2026-07-28');
    expect(firstText(await client.callTool('echo', { text: 'small' }))).toContain('small');
    await client.close();
  });

  it('reach a handshake-era client as -32602 naming the limit', async () => {
    const client = await connectInEra(new StreamableHttpClientTransport(server.url), '2025-11-25');
    const refused = await client.callTool('echo', tooLarge).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: -32602, data: { limit: 'maxToolArgumentsBytes' } });
    await client.close();
  });
});

// The headers stage 03's client transport puts on its GET and DELETE, recorded
// on their way to a real stage 03 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpClient } from '../shared/protocol/mcp-client.ts';
import { StreamableHttpClientTransport } from './client-transport.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

let server: StreamableHttpServer;
beforeAll(async () => {
  server = await createStreamableHttpServer({ port: 0, retryMs: 10 });
});
afterAll(() => server.close());

/** A fetch that records the method and headers of every request it passes on. */
function recordingFetch() {
  const sent: Array<{ method: string; headers: Headers }> = [];
  const record: typeof fetch = (input, init) => {
    sent.push({ method: init?.method ?? 'GET', headers: new Headers(init?.headers) });
    return fetch(input, init);
  };
  return { sent, fetch: record };
}

describe('MCP-Protocol-Version on every request after initialization', () => {
  it('[spec 2025-06-18] the client MUST send MCP-Protocol-Version on all subsequent requests: DELETE and GET carry the negotiated version (spec: shttp-client-version-header, shttp-client-version-negotiated)', async () => {
    const recorder = recordingFetch();
    const transport = new StreamableHttpClientTransport(server.url, {}, { fetch: recorder.fetch });
    const client = new McpClient({
      transport,
      clientInfo: { name: 'headers-test', version: '1' },
      protocolVersion: '2025-06-18',
    });
    await client.connect();
    // A drop mid-call makes the client resume with GET.
    await client.callTool(
      'search_issues',
      { query: 'x', pages: 3, delayMs: 1 },
      { onprogress: ({ progress }) => void (progress === 1 && transport.cutConnections()) },
    );
    await client.close();

    const byMethod = (method: string) => recorder.sent.filter((r) => r.method === method);
    expect(byMethod('GET').length).toBeGreaterThan(0);
    expect(byMethod('DELETE')).toHaveLength(1);
    for (const { headers } of [...byMethod('GET'), ...byMethod('DELETE')]) {
      expect(headers.get('mcp-protocol-version')).toBe('2025-06-18');
    }
  });
});

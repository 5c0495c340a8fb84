// The rules of a POST, side by side: stage 01 and stage 03 both check a POST
// with shared/http/post-rules.ts, so the same bad request gets the same status
// and the same JSON-RPC error code from both. A stage may not import another
// stage, so the comparison lives here, in the lab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlainHttpServer, type PlainHttpServer } from '../../01-plain-http/server.ts';
import {
  createStreamableHttpServer,
  type StreamableHttpServer,
} from '../../03-streamable-http/server.ts';
import { MetaKey } from '../../shared/protocol/versions.ts';

describe('the same POST rules on stage 01 and stage 03', () => {
  let stage01: PlainHttpServer;
  let stage03: StreamableHttpServer;
  beforeAll(async () => {
    [stage01, stage03] = await Promise.all([
      createPlainHttpServer({ port: 0 }),
      createStreamableHttpServer({ port: 0, sessionless: true }),
    ]);
  });
  afterAll(() => Promise.all([stage01.close(), stage03.close()]));

  it.each([
    ['an unsupported MCP-Protocol-Version (2025-06-18+)', { 'MCP-Protocol-Version': '1999-01-01' }],
    [
      'a 2026-07-28 request whose Mcp-Method disagrees with its body',
      { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list' },
    ],
    ['an Accept that lists only application/json', { Accept: 'application/json' }],
  ])('answer %s with the same status and code', async (_case, headers) => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 11,
      method: 'server/discover',
      params: {
        _meta: { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} },
      },
    });
    const answers = await Promise.all(
      [stage01.url, stage03.url].map(async (url) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json, text/event-stream',
            ...headers,
          },
          body,
        });
        const json = (await response.json()) as { error?: { code: number } };
        return { status: response.status, code: json.error?.code };
      }),
    );
    expect(answers[0]!.status).toBeGreaterThanOrEqual(400);
    expect(answers[0]!.code).toBeDefined();
    expect(answers[1]).toEqual(answers[0]);
  });
});

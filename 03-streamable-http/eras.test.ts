// The stage 03 client in both eras: the same cut resumed in one and re-sent in
// the other, era detection against a handshake-only server, what it does with
// each -32022, and the stage 03 server's errors that must not send it to initialize.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../shared/cli.ts';
import { ErrorCode } from '../shared/protocol/jsonrpc.ts';
import { StreamableHttpClientTransport } from './client-transport.ts';
import { connectInEra, runStreamableHttpClient } from './client.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import type { Tool } from '../shared/protocol/tools.ts';

describe('the same cut after 3 of 10 progress notifications, in each era', () => {
  let handshakeServer: StreamableHttpServer;
  let modernServer: StreamableHttpServer;
  const handshakeDemo = createDemoTools();
  const modernDemo = createDemoTools();
  beforeAll(async () => {
    [handshakeServer, modernServer] = await Promise.all([
      createStreamableHttpServer({ port: 0, retryMs: 20, tools: handshakeDemo.tools }),
      createStreamableHttpServer({ port: 0, tools: modernDemo.tools }),
    ]);
  });
  afterAll(() => Promise.all([handshakeServer.close(), modernServer.close()]));
  const cut = { pages: 10, delayMs: 30, dropAfter: 3 };

  it('2025-11-25 resumes with Last-Event-ID: the result arrives once and the tool ran once (spec: shttp-disconnect-not-cancel)', async () => {
    const run = await runStreamableHttpClient({
      url: handshakeServer.url,
      protocolVersion: '2025-11-25',
      ...cut,
    });
    expect(run.resultText).toMatch(/^Found/);
    expect([run.resumes.length, run.resends]).toEqual([1, 0]);
    expect(handshakeDemo.stats).toMatchObject({
      searchIssuesStarts: 1,
      searchIssuesCompleted: 1,
      searchIssuesAborted: 0,
    });
  });

  it('2026-07-28 cancels on the close and re-sends: the result arrives once and the tool ran twice', async () => {
    const run = await runStreamableHttpClient({
      url: modernServer.url,
      protocolVersion: '2026-07-28',
      ...cut,
    });
    expect(run.resultText).toMatch(/^Found/);
    expect([run.resumes.length, run.resends]).toEqual([0, 1]);
    expect(modernDemo.stats).toMatchObject({
      searchIssuesStarts: 2,
      searchIssuesCompleted: 1,
      searchIssuesAborted: 1,
    });
    // The cancelled run stopped within a page of the close: 3 pages seen, at most one more searched.
    expect(modernDemo.stats.searchIssuesPages).toBeLessThanOrEqual(10 + 3 + 1);
    // The progress bar shows the restart: 1, 2, 3 (the cut), then 1 … 10 again.
    const values = run.progress.map((p) => p.progress);
    expect(values.slice(0, 3)).toEqual([1, 2, 3]);
    expect(values.slice(-10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

/** A scripted server on loopback, answering each POST body with `answer`. */
async function scriptedServer(
  answer: (
    body: { id?: number; method: string },
    req: IncomingMessage,
    res: ServerResponse,
  ) => void,
) {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      answer(JSON.parse(text) as { id?: number; method: string }, req, res);
    });
  });
  const port = await listenOnLoopback(server, 0);
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res
    .writeHead(status, { 'Content-Type': 'application/json', ...headers })
    .end(JSON.stringify(body));
}

describe('era detection', () => {
  it('falls back to initialize when a handshake-only server refuses the 2026 request with a body it does not recognise (spec: r2026-client-reads-400-body)', async () => {
    const seen: string[] = [];
    const legacy = await scriptedServer((body, req, res) => {
      seen.push(body.method);
      if (body.method === 'initialize') {
        json(
          res,
          200,
          {
            jsonrpc: '2.0',
            id: body.id,
            result: {
              protocolVersion: '2025-11-25',
              capabilities: { tools: {} },
              serverInfo: { name: 'legacy', version: '1' },
            },
          },
          { 'Mcp-Session-Id': 'legacy-session' },
        );
      } else if (req.headers['mcp-session-id'] !== 'legacy-session') {
        // What the official SDK v1 answers without a session: 400 and a -32000 error.
        json(res, 400, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
        });
      } else if (body.id === undefined) {
        res.writeHead(202).end();
      } else {
        json(res, 200, { jsonrpc: '2.0', id: body.id, result: { tools: [] } });
      }
    });
    try {
      const client = await connectInEra(
        new StreamableHttpClientTransport(legacy.url),
        '2026-07-28',
      );
      expect(client.protocolVersion).toBe('2025-11-25');
      expect(await client.listTools()).toEqual([]);
      expect(seen).toEqual([
        'server/discover',
        'initialize',
        'notifications/initialized',
        'tools/list',
      ]);
    } finally {
      legacy.close();
    }
  });

  it('stays modern when the server answers -32022, and retries once with a version from data.supported (spec: r2026-client-reads-400-body)', async () => {
    let requests = 0;
    const modern = await scriptedServer((body, req, res) => {
      requests += 1;
      if (requests === 1) {
        json(res, 400, {
          jsonrpc: '2.0',
          id: body.id,
          error: {
            code: ErrorCode.UnsupportedProtocolVersion,
            message: 'Unsupported protocol version',
            data: { supported: ['2026-07-28'], requested: req.headers['mcp-protocol-version'] },
          },
        });
      } else {
        json(res, 200, {
          jsonrpc: '2.0',
          id: body.id,
          result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: {} },
        });
      }
    });
    try {
      const client = await connectInEra(
        new StreamableHttpClientTransport(modern.url),
        '2026-07-28',
      );
      expect(client.protocolVersion).toBe('2026-07-28');
      expect(requests).toBe(2);
    } finally {
      modern.close();
    }
  });

  /** A modern server that refuses 2026-07-28 with -32022 listing `supported`, and answers initialize. */
  async function refusingServer(supported: string[]) {
    const seen: string[] = [];
    const server = await scriptedServer((body, req, res) => {
      seen.push(body.method);
      if (body.method === 'initialize') {
        json(res, 200, {
          jsonrpc: '2.0',
          id: body.id,
          result: {
            protocolVersion: '2025-11-25',
            capabilities: { tools: {} },
            serverInfo: { name: 'refusing', version: '1' },
          },
        });
      } else if (body.id === undefined) {
        res.writeHead(202).end();
      } else if (req.headers['mcp-protocol-version'] === '2026-07-28') {
        json(res, 400, {
          jsonrpc: '2.0',
          id: body.id,
          error: {
            code: ErrorCode.UnsupportedProtocolVersion,
            message: 'Unsupported protocol version',
            data: { supported, requested: '2026-07-28' },
          },
        });
      } else {
        json(res, 200, { jsonrpc: '2.0', id: body.id, result: { tools: [] } });
      }
    });
    return { ...server, seen };
  }

  it('takes a -32022 that lists only handshake-era versions to initialize, with the newest listed (2026-07-28 Versioning: select a mutually supported version)', async () => {
    const server = await refusingServer(['2025-06-18', '2025-11-25']);
    try {
      const client = await connectInEra(
        new StreamableHttpClientTransport(server.url),
        '2026-07-28',
      );
      expect(client.protocolVersion).toBe('2025-11-25');
      expect(await client.listTools()).toEqual([]);
      // One refusal, no per-request retry: nothing in the list can be named in _meta.
      expect(server.seen).toEqual([
        'server/discover',
        'initialize',
        'notifications/initialized',
        'tools/list',
      ]);
    } finally {
      server.close();
    }
  });

  it('surfaces a -32022 that lists no version it speaks, after at most one retry (2026-07-28 Versioning: or surface an error to the user)', async () => {
    const server = await refusingServer(['2099-01-01']);
    try {
      await expect(
        connectInEra(new StreamableHttpClientTransport(server.url), '2026-07-28'),
      ).rejects.toMatchObject({ code: ErrorCode.UnsupportedProtocolVersion });
      expect(server.seen).toEqual(['server/discover']);
    } finally {
      server.close();
    }
  });
});

describe('answers to requests the stage 03 server understands keep the client modern', () => {
  /** A tool that needs the client's `sampling` capability, which the course's client never declares. */
  const needsSampling: Tool<never> = {
    name: 'needs_sampling',
    description: 'Needs the client to declare sampling.',
    inputSchema: { type: 'object' },
    requiredClientCapabilities: { sampling: {} },
    run: () => Promise.resolve({ content: [{ type: 'text', text: 'sampled' }] }),
  };
  let server: StreamableHttpServer;
  beforeAll(async () => {
    server = await createStreamableHttpServer({
      port: 0,
      tools: [...createDemoTools().tools, needsSampling],
    });
  });
  afterAll(() => server.close());

  it('an unknown tool, a bad cursor and a missing capability neither send the client to initialize nor come in a 400 without a modern error (2026-07-28 Backward Compatibility) (spec: r2026-client-reads-400-body)', async () => {
    const exchanges: Array<{ method: string; status: number; code?: number }> = [];
    const recording: typeof fetch = async (url, init) => {
      const response = await fetch(url, init);
      const sent = JSON.parse(init?.body as string) as { method: string };
      const body = (await response.clone().json()) as { error?: { code: number } };
      exchanges.push({ method: sent.method, status: response.status, code: body.error?.code });
      return response;
    };
    const client = await connectInEra(
      new StreamableHttpClientTransport(server.url, {}, { fetch: recording }),
      '2026-07-28',
    );
    await expect(client.callTool('nope', {})).rejects.toMatchObject({ code: -32602 });
    await expect(client.request('tools/list', { cursor: 'page-2' })).rejects.toMatchObject({
      code: -32602,
    });
    await expect(client.callTool('needs_sampling', {})).rejects.toMatchObject({ code: -32021 });
    expect(await client.listTools()).toHaveLength(3);
    await client.close();

    expect(client.protocolVersion).toBe('2026-07-28');
    expect(exchanges).toEqual([
      { method: 'server/discover', status: 200, code: undefined },
      { method: 'tools/call', status: 200, code: -32602 },
      { method: 'tools/list', status: 200, code: -32602 },
      { method: 'tools/call', status: 400, code: -32021 },
      { method: 'tools/list', status: 200, code: undefined },
    ]);
    expect(server.sessions).toBe(0);
  });
});

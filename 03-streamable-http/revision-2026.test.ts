// Stage 03's 2026-07-28 path on the wire: every header rule, every error code
// with its HTTP status, answers without state, and a closed stream as a cancellation.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import type { JsonObject } from '../shared/protocol/jsonrpc.ts';
import type { Tool } from '../shared/protocol/tools.ts';
import { MetaKey } from '../shared/protocol/versions.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

/** A tool that needs the client's `sampling` capability. */
const needsSampling: Tool<never> = {
  name: 'needs_sampling',
  description: 'Needs the client to declare sampling.',
  inputSchema: { type: 'object' },
  requiredClientCapabilities: { sampling: {} },
  run: () => Promise.resolve({ content: [{ type: 'text', text: 'sampled' }] }),
};

/** A tool whose `region` argument is mirrored into `Mcp-Param-Region`. */
const regional: Tool<never> = {
  name: 'regional',
  description: 'Routes by region.',
  inputSchema: {
    type: 'object',
    properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, query: { type: 'string' } },
  },
  run: () => Promise.resolve({ content: [{ type: 'text', text: 'routed' }] }),
};

const demo = createDemoTools();
let server: StreamableHttpServer;
beforeAll(async () => {
  server = await createStreamableHttpServer({
    port: 0,
    tools: [...demo.tools, needsSampling, regional],
  });
});
afterAll(() => server.close());

const META = { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} };

function request(id: number, method: string, params: JsonObject = {}, meta: JsonObject = META) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } };
}

/** Headers a conforming 2026 client sends for `method` (and `name`, for tools/call). */
function headersFor(method: string, name?: string): Record<string, string> {
  return {
    'MCP-Protocol-Version': '2026-07-28',
    'Mcp-Method': method,
    ...(name === undefined ? {} : { 'Mcp-Name': name }),
  };
}

async function post(body: unknown, headers: Record<string, string>) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return response;
}

async function postJson(body: unknown, headers: Record<string, string>) {
  const response = await post(body, headers);
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as JsonObject,
  };
}

const echo = (id: number) => request(id, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });

describe('request headers', () => {
  it('serves a request whose headers mirror its body (spec: r2026-single-post-endpoint, r2026-binding-delivers-both-directions)', async () => {
    const { status, json } = await postJson(echo(1), headersFor('tools/call', 'echo'));
    expect(status).toBe(200);
    expect(json).toMatchObject({
      id: 1,
      result: { content: [{ text: 'hi' }], resultType: 'complete' },
    });
  });

  it.each([
    ['MCP-Protocol-Version is missing', { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' }],
    [
      'MCP-Protocol-Version disagrees with _meta',
      { ...headersFor('tools/call', 'echo'), 'MCP-Protocol-Version': '2025-11-25' },
    ],
    ['Mcp-Method is missing', { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Name': 'echo' }],
    ['Mcp-Method differs in case (values are case-sensitive)', headersFor('TOOLS/CALL', 'echo')],
    ['Mcp-Name is missing on tools/call', headersFor('tools/call')],
    ['Mcp-Name names another tool', headersFor('tools/call', 'search_issues')],
    ['Mcp-Name has bad Base64 inside the wrapper', headersFor('tools/call', '=?base64?ZWNobw?=')],
  ])(
    'answers 400 and -32020, echoing the id, when %s (spec: r2026-version-mismatch-400, r2026-missing-version-header-rejected, r2026-server-rejects-header-body-mismatch, r2026-validation-failure-400-32020)',
    async (_case, headers) => {
      const { status, json } = await postJson(echo(7), headers);
      expect(status).toBe(400);
      expect(json).toMatchObject({ id: 7, error: { code: -32020 } });
    },
  );

  it('decodes a Base64-wrapped Mcp-Name before comparing it, and trims surrounding spaces (spec: r2026-inspectors-decode-base64, r2026-server-decodes-before-comparing, r2026-validation-decodes-before-comparing)', async () => {
    expect((await post(echo(2), headersFor('tools/call', '=?base64?ZWNobw==?='))).status).toBe(200);
    expect((await post(echo(3), headersFor('tools/call', '  echo  '))).status).toBe(200);
  });

  it('compares header names case-insensitively (spec: r2026-header-names-case-insensitive)', async () => {
    const headers = {
      'mcp-protocol-version': '2026-07-28',
      'MCP-METHOD': 'tools/call',
      'mcp-NAME': 'echo',
    };
    expect((await post(echo(4), headers)).status).toBe(200);
  });
});

describe('tool-argument headers (x-mcp-header)', () => {
  const call = (args: JsonObject) =>
    request(9, 'tools/call', { name: 'regional', arguments: args });

  it('serves a call whose Mcp-Param header matches the argument, plain or Base64-wrapped (spec: r2026-server-validates-param-values, r2026-server-decodes-before-comparing, r2026-validation-decodes-before-comparing)', async () => {
    const args = { region: 'eu-west1', query: 'q' };
    expect(
      (
        await post(call(args), {
          ...headersFor('tools/call', 'regional'),
          'Mcp-Param-Region': 'eu-west1',
        })
      ).status,
    ).toBe(200);
    const wrapped = {
      ...headersFor('tools/call', 'regional'),
      'Mcp-Param-Region': '=?base64?ZXUtd2VzdDE=?=',
    };
    expect((await post(call(args), wrapped)).status).toBe(200);
  });

  it.each([
    ['the header is missing while the argument is set', {}],
    ['the header differs from the argument', { 'Mcp-Param-Region': 'us-east1' }],
  ])(
    'answers 400 and -32020 when %s (spec: r2026-server-rejects-missing-param, r2026-server-validates-param-values, r2026-param-mismatch-400)',
    async (_case, param) => {
      const { status, json } = await postJson(call({ region: 'eu-west1' }), {
        ...headersFor('tools/call', 'regional'),
        ...param,
      });
      expect(status).toBe(400);
      expect(json).toMatchObject({ id: 9, error: { code: -32020 } });
    },
  );

  it('expects no header when the argument is absent (spec: r2026-server-expects-no-absent-param)', async () => {
    expect((await post(call({ query: 'q' }), headersFor('tools/call', 'regional'))).status).toBe(
      200,
    );
  });
});

describe('errors and their statuses', () => {
  it('answers an unsupported version with 400 and -32022, listing the supported ones (spec: r2026-unsupported-version-400)', async () => {
    const meta = { ...META, [MetaKey.protocolVersion]: '2099-01-01' };
    const { status, json } = await postJson(request(5, 'tools/list', {}, meta), {
      ...headersFor('tools/list'),
      'MCP-Protocol-Version': '2099-01-01',
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({
      id: 5,
      error: {
        code: -32022,
        data: {
          requested: '2099-01-01',
          supported: expect.arrayContaining(['2026-07-28']) as unknown,
        },
      },
    });
  });

  it('answers a request without _meta, or with only part of it, with 400 and -32602', async () => {
    const bare = await postJson(
      { jsonrpc: '2.0', id: 6, method: 'server/discover' },
      headersFor('server/discover'),
    );
    expect([bare.status, bare.json]).toMatchObject([400, { id: 6, error: { code: -32602 } }]);
    const partial = { [MetaKey.protocolVersion]: '2026-07-28' };
    const half = await postJson(
      request(7, 'server/discover', {}, partial),
      headersFor('server/discover'),
    );
    expect([half.status, half.json]).toMatchObject([400, { id: 7, error: { code: -32602 } }]);
  });

  it.each([
    [
      'an unknown tool',
      request(12, 'tools/call', { name: 'nope' }),
      headersFor('tools/call', 'nope'),
    ],
    [
      'a cursor it never issued',
      request(12, 'tools/list', { cursor: 'page-2' }),
      headersFor('tools/list'),
    ],
  ])(
    'answers %s with -32602 in a 200, never a 400 a dual-era client reads as a handshake-only server (2026-07-28 Backward Compatibility: a 400 without a recognised modern error means fall back to initialize)',
    async (_case, body, headers) => {
      const { status, json } = await postJson(body, headers);
      expect([status, json]).toMatchObject([200, { id: 12, error: { code: -32602 } }]);
    },
  );

  it('answers _meta naming a handshake-era version with a -32022 whose supported list works when retried (2026-07-28 Versioning: retry with a version from supported) (spec: r2026-unsupported-version-400)', async () => {
    const legacy = { ...META, [MetaKey.protocolVersion]: '2025-11-25' };
    const refused = await postJson(request(13, 'tools/list', {}, legacy), {
      ...headersFor('tools/list'),
      'MCP-Protocol-Version': '2025-11-25',
    });
    expect(refused).toMatchObject({
      status: 400,
      json: {
        error: { code: -32022, data: { supported: ['2026-07-28'], requested: '2025-11-25' } },
      },
    });
    const supported = (refused.json.error as { data: { supported: string[] } }).data.supported;
    const retried = await postJson(
      request(14, 'tools/list', {}, { ...META, [MetaKey.protocolVersion]: supported[0]! }),
      { ...headersFor('tools/list'), 'MCP-Protocol-Version': supported[0]! },
    );
    expect(retried.status).toBe(200);
  });

  it.each(['initialize', 'ping', 'logging/setLevel', 'no/such/method'])(
    'answers %s, which this revision does not have, with 404 and -32601 (spec: r2026-unknown-method-404)',
    async (method) => {
      const { status, json } = await postJson(request(8, method), headersFor(method));
      expect(status).toBe(404);
      expect(json).toMatchObject({ id: 8, error: { code: -32601 } });
    },
  );

  it('answers resources/list, which the revision has but this tools-only server does not implement, with 404 and -32601', async () => {
    // [spec 2026-07-28] "If the server does not implement the requested RPC method, it MUST respond
    // with 404 Not Found and a JSON-RPC error with code -32601"
    const { status, json } = await postJson(
      request(9, 'resources/list'),
      headersFor('resources/list'),
    );
    expect(status).toBe(404);
    expect(json).toMatchObject({ id: 9, error: { code: -32601 } });
  });

  it('answers a call that needs an undeclared client capability with 400 and -32021', async () => {
    const { status, json } = await postJson(
      request(10, 'tools/call', { name: 'needs_sampling' }),
      headersFor('tools/call', 'needs_sampling'),
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({
      id: 10,
      error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } },
    });
    const declared = { ...META, [MetaKey.clientCapabilities]: { sampling: {} } };
    const allowed = await post(
      request(11, 'tools/call', { name: 'needs_sampling' }, declared),
      headersFor('tools/call', 'needs_sampling'),
    );
    expect(allowed.status).toBe(200);
  });
});

describe('answers', () => {
  it('server/discover lists the versions, capabilities, identity and cache hints', async () => {
    const { json } = await postJson(request(1, 'server/discover'), headersFor('server/discover'));
    expect(json.result).toMatchObject({
      supportedVersions: expect.arrayContaining(['2026-07-28', '2025-11-25']) as unknown,
      capabilities: { tools: {} },
      ttlMs: expect.any(Number) as unknown,
      cacheScope: 'public',
      resultType: 'complete',
      _meta: { [MetaKey.serverInfo]: { name: 'mcp-transports-course/03-streamable-http' } },
    });
  });

  it('streams a call that reports progress: no event ids, no buffering by proxies, the response ends it (spec: r2026-request-json-or-sse, r2026-stream-no-requests, r2026-response-ends-stream, r2026-sse-no-proxy-buffering, r2026-binding-delivers-both-directions)', async () => {
    const call = request(
      12,
      'tools/call',
      { name: 'search_issues', arguments: { query: 'x', pages: 3, delayMs: 1 } },
      { ...META, progressToken: 'p' },
    );
    const response = await post(call, headersFor('tools/call', 'search_issues'));
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const events = await readAll(response);
    expect(events.every((event) => event.id === undefined)).toBe(true);
    expect(
      events.map((event) => (JSON.parse(event.data) as JsonObject).method ?? 'response'),
    ).toEqual([
      'notifications/progress',
      'notifications/progress',
      'notifications/progress',
      'response',
    ]);
  });

  it('treats a closed stream as a cancellation: the tool stops, and nothing more is sent (spec: r2026-stream-close-cancels, r2026-cancel-stops-work)', async () => {
    const before = { ...demo.stats };
    const call = request(
      13,
      'tools/call',
      { name: 'search_issues', arguments: { query: 'x', pages: 100, delayMs: 20 } },
      { ...META, progressToken: 'p' },
    );
    const abort = new AbortController();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...headersFor('tools/call', 'search_issues'),
      },
      body: JSON.stringify(call),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    await reader.read(); // the first progress event: the tool is running
    abort.abort();
    await expect.poll(() => demo.stats.searchIssuesAborted).toBe(before.searchIssuesAborted + 1);
    expect(demo.stats.searchIssuesCompleted).toBe(before.searchIssuesCompleted);
  });
});

describe('no state', () => {
  it('ignores Mcp-Session-Id and never mints one (spec: r2026-only-ignores-session-id)', async () => {
    const response = await post(echo(14), {
      ...headersFor('tools/call', 'echo'),
      'Mcp-Session-Id': 'left-over-from-2025',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeNull();
  });

  it('answers a 2026-07-28 GET or DELETE with 405, as a server of that revision alone would (spec: r2026-only-get-delete-405)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(server.url, {
        method,
        headers: {
          Accept: 'text/event-stream',
          'Last-Event-ID': 'x/1',
          'MCP-Protocol-Version': '2026-07-28',
        },
      });
      expect(response.status).toBe(405);
    }
  });

  it('still opens a handshake-era session for a plain initialize on the same endpoint', async () => {
    const response = await post(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'old', version: '1' },
        },
      },
      {},
    );
    expect(response.headers.get('mcp-session-id')).toBeTruthy();
    expect(await response.json()).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
  });
});

async function readAll(response: Response): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) parser.feed(chunk);
  return events;
}

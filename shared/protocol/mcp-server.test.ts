// The MCP server core in both eras, driven directly: no HTTP, one message at a time.
import { describe, expect, it } from 'vitest';
import { createDemoTools } from '../demo/demo-tools.ts';
import { HandshakeState } from './handshake-state.ts';
import {
  ErrorCode,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcErrorResponse,
  type JsonRpcNotification,
  type JsonRpcResponse,
} from './jsonrpc.ts';
import { McpServer, eraOf, isMissingMetaError, type Era } from './mcp-server.ts';
import type { Tool } from './tools.ts';
import { MetaKey, PER_REQUEST_VERSIONS, SUPPORTED_VERSIONS } from './versions.ts';

const serverInfo = { name: 'test-server', version: '1.2.3' };

function setup(extraTools: Tool<never>[] = []) {
  const { tools, stats } = createDemoTools();
  const errors: unknown[] = [];
  const server = new McpServer({
    serverInfo,
    tools: [...tools, ...extraTools],
    onError: (e) => errors.push(e),
  });
  const handshake = new HandshakeState();
  const sent: JsonRpcNotification[] = [];
  // The era as a transport's POST rules would state it: read from the request's _meta.
  const handle = (
    message: JsonRpcMessage,
    signal = new AbortController().signal,
    era: Era = eraOf(message),
  ) => {
    const channel = { send: (n: JsonRpcNotification) => sent.push(n), signal };
    return server.handle(
      message,
      era === 'per-request'
        ? { ...channel, era: 'per-request' }
        : { ...channel, era: 'handshake', handshake },
    );
  };
  return { stats, handshake, sent, handle, errors };
}

/** A 2026-07-28 request: version and capabilities in `_meta`. */
function modern(id: number, method: string, params: JsonObject = {}, meta: JsonObject = {}) {
  return {
    jsonrpc: '2.0' as const,
    id,
    method,
    params: {
      ...params,
      _meta: { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {}, ...meta },
    },
  };
}

const search = (pages: number, delayMs = 0) => ({
  name: 'search_issues',
  arguments: { query: 'stream', pages, delayMs },
});

describe('handshake era', () => {
  it('initialize echoes a version the server supports', async () => {
    const { handle, handshake } = setup();
    const response = await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'c', version: '1' },
      },
    });
    expect(response).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        protocolVersion: '2025-06-18',
        capabilities: { tools: { listChanged: false } },
        serverInfo,
      },
    });
    expect(handshake.protocolVersion).toBe('2025-06-18');
  });

  it.each(['1999-01-01', '2026-07-28'])(
    'initialize with %s counter-offers 2025-11-25 in a successful result, not an error',
    async (offered) => {
      const { handle } = setup();
      const response = await handle({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: offered,
          capabilities: {},
          clientInfo: { name: 'c', version: '1' },
        },
      });
      expect(response).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
    },
  );

  it('notifications/initialized marks the handshake complete and gets no answer', async () => {
    const { handle, handshake } = setup();
    expect(await handle({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBeUndefined();
    expect(handshake.initialized).toBe(true);
  });

  it('ping answers an empty result', async () => {
    const { handle } = setup();
    expect(await handle({ jsonrpc: '2.0', id: 'p', method: 'ping' })).toEqual({
      jsonrpc: '2.0',
      id: 'p',
      result: {},
    });
  });

  it('tools/list lists the demo tools by name, each with an object input schema', async () => {
    const { handle } = setup();
    const response = await handle({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const tools = resultOf(response).tools as Array<{ name: string; inputSchema: JsonObject }>;
    expect(tools.map((t) => t.name)).toEqual(['echo', 'search_issues']);
    for (const tool of tools) expect(tool.inputSchema.type).toBe('object');
  });

  it('tools/list rejects a cursor it never issued with -32602', async () => {
    const { handle } = setup();
    const response = await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { cursor: 'page-2' },
    });
    expect(response).toMatchObject({ error: { code: ErrorCode.InvalidParams } });
  });

  it('answers an unknown method with -32601', async () => {
    const { handle } = setup();
    expect(await handle({ jsonrpc: '2.0', id: 9, method: 'resources/list' })).toMatchObject({
      id: 9,
      error: { code: ErrorCode.MethodNotFound },
    });
  });

  it('answers an unknown tool with -32602, a protocol error', async () => {
    const { handle } = setup();
    const response = await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'nope' },
    });
    expect(response).toMatchObject({
      error: { code: ErrorCode.InvalidParams, message: 'Unknown tool: nope' },
    });
  });

  it('answers tools/call without a name with -32602', async () => {
    const { handle } = setup();
    const response = await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { arguments: {} },
    });
    expect(response).toMatchObject({ error: { code: ErrorCode.InvalidParams } });
  });

  it('returns arguments that fail the input schema as a tool error naming the field', async () => {
    const { handle, stats } = setup();
    const response = await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'search_issues', arguments: { query: 'x', pages: 500 } },
    });
    expect(response).toMatchObject({ result: { isError: true } });
    const [block] = resultOf(response).content as Array<{ text: string }>;
    const text = block?.text;
    expect(text).toContain('"pages"');
    expect(text).toContain('<= 100');
    expect(stats.searchIssuesStarts).toBe(0);
  });

  it('names a missing required field in the tool error', async () => {
    const { handle } = setup();
    const response = await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: {} },
    });
    expect(response).toMatchObject({
      result: {
        isError: true,
        content: [
          { type: 'text', text: 'Invalid arguments for echo: missing required field "text"' },
        ],
      },
    });
  });

  it('turns a tool that throws into a result with isError, not a crash', async () => {
    const broken: Tool<never> = {
      name: 'broken',
      description: 'always fails',
      inputSchema: { type: 'object' },
      run: () => Promise.reject(new Error('the backend is down')),
    };
    const { handle, errors } = setup([broken]);
    const response = await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'broken' },
    });
    expect(response).toMatchObject({
      result: { isError: true, content: [{ text: 'broken failed: the backend is down' }] },
    });
    expect(errors).toEqual([]);
  });

  it('reports progress for a request with a progressToken: one per page, increasing, all before the result', async () => {
    const { handle, sent } = setup();
    const response = await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { ...search(4), _meta: { progressToken: 'tok' } },
    });
    expect(sent.map((n) => n.params)).toEqual(
      [1, 2, 3, 4].map((page) => ({
        progressToken: 'tok',
        progress: page,
        total: 4,
        message: `page ${page} of 4`,
      })),
    );
    expect(response).toMatchObject({ result: { structuredContent: { pagesSearched: 4 } } });
  });

  it('sends no progress to a request without a progressToken', async () => {
    const { handle, sent } = setup();
    await handle({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: search(3) });
    expect(sent).toEqual([]);
  });

  it('leaves the message field out of progress for a 2024-11-05 session, which predates it', async () => {
    const { handle, sent, handshake } = setup();
    handshake.protocolVersion = '2024-11-05';
    await handle({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { ...search(1), _meta: { progressToken: 1 } },
    });
    expect(sent[0]?.params).toEqual({ progressToken: 1, progress: 1, total: 1 });
  });

  it('notifications/cancelled aborts the running tool, and the cancelled request gets no response', async () => {
    const { handle, sent, stats } = setup();
    const call = handle({
      jsonrpc: '2.0',
      id: 42,
      method: 'tools/call',
      params: { ...search(100, 20), _meta: { progressToken: 42 } },
    });
    await waitUntil(() => sent.length >= 2);
    await handle({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 42, reason: 'user' },
    });
    expect(await call).toBeUndefined();
    expect(stats).toMatchObject({
      searchIssuesStarts: 1,
      searchIssuesAborted: 1,
      searchIssuesCompleted: 0,
    });
    // Stopped within one page of the cancel: no progress after it.
    const afterCancel = sent.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent.length).toBe(afterCancel);
  });

  it('refuses a request whose id a running request of the session holds, with -32600, and the running one can still be cancelled (spec 2025-11-25 basic/index: ids MUST NOT be reused within a session)', async () => {
    const { handle, stats } = setup();
    const running = handle({
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: search(100, 20),
    });
    const reused = (await handle({
      jsonrpc: '2.0',
      id: 5,
      method: 'ping',
    })) as JsonRpcErrorResponse;
    expect(reused.id).toBe(5);
    expect(reused.error.code).toBe(ErrorCode.InvalidRequest);
    await handle({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5 } });
    expect(await running).toBeUndefined();
    expect(stats).toMatchObject({ searchIssuesAborted: 1, searchIssuesCompleted: 0 });
    // Once the first has finished, its id is free again.
    expect(await handle({ jsonrpc: '2.0', id: 5, method: 'ping' })).toMatchObject({ result: {} });
  });

  it('ignores a cancellation for a request it does not know', async () => {
    const { handle } = setup();
    expect(
      await handle({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 'never-sent' },
      }),
    ).toBeUndefined();
  });

  it('never answers a notification, even an unknown one', async () => {
    const { handle } = setup();
    expect(await handle({ jsonrpc: '2.0', method: 'notifications/whatever' })).toBeUndefined();
  });
});

describe('revision 2026-07-28', () => {
  it('tells the eras apart by the _meta fields of the request', () => {
    expect(eraOf(modern(1, 'tools/list'))).toBe('per-request');
    expect(eraOf({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toBe('handshake');
    expect(
      eraOf({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { _meta: { progressToken: 1 } },
      }),
    ).toBe('handshake');
  });

  it.each([
    ['protocolVersion', { [MetaKey.clientCapabilities]: {} }],
    ['clientCapabilities', { [MetaKey.protocolVersion]: '2026-07-28' }],
  ] as const)(
    'answers a request whose _meta lacks %s with -32602, naming it',
    async (_missing, meta) => {
      const { handle } = setup();
      const response = await handle({
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/list',
        params: { _meta: meta },
      });
      expect(response).toMatchObject({
        id: 5,
        error: { code: ErrorCode.InvalidParams, data: { missingMeta: [MetaKey[_missing]] } },
      });
      expect(isMissingMetaError((response as JsonRpcErrorResponse).error)).toBe(true);
    },
  );

  it('marks only a malformed _meta as such: an unknown tool or a bad cursor is another -32602', async () => {
    const { handle } = setup();
    const unknownTool = await handle(modern(6, 'tools/call', { name: 'nope' }));
    const badCursor = await handle(modern(7, 'tools/list', { cursor: 'page-2' }));
    for (const response of [unknownTool, badCursor]) {
      expect(response).toMatchObject({ error: { code: ErrorCode.InvalidParams } });
      expect(isMissingMetaError((response as JsonRpcErrorResponse).error)).toBe(false);
    }
  });

  it('answers an unsupported version with -32022, listing the versions a request can name in _meta and the requested one (spec: r2026-unsupported-version-400)', async () => {
    const { handle } = setup();
    const response = await handle(
      modern(3, 'tools/list', {}, { [MetaKey.protocolVersion]: '2099-01-01' }),
    );
    expect(response).toMatchObject({
      id: 3,
      error: {
        code: ErrorCode.UnsupportedProtocolVersion,
        data: { supported: PER_REQUEST_VERSIONS, requested: '2099-01-01' },
      },
    });
  });

  it('answers _meta naming a handshake-era version with a -32022 a client can act on (2026-07-28 Versioning: the client retries with a version from supported): supported lists only per-request versions, the message points to initialize (spec: r2026-unsupported-version-400)', async () => {
    const { handle } = setup();
    const response = await handle(
      modern(4, 'tools/list', {}, { [MetaKey.protocolVersion]: '2025-11-25' }),
    );
    expect(response).toMatchObject({
      id: 4,
      error: {
        code: ErrorCode.UnsupportedProtocolVersion,
        data: { supported: PER_REQUEST_VERSIONS, requested: '2025-11-25' },
      },
    });
    const { error } = response as { error: { message: string; data: { supported: string[] } } };
    // Retrying as told cannot meet the same refusal again.
    expect(error.data.supported).not.toContain('2025-11-25');
    expect(error.message).toMatch(/2025-11-25.*initialize/);
  });

  it('server/discover lists versions, capabilities, identity and cache hints', async () => {
    const { handle } = setup();
    expect(await handle(modern(1, 'server/discover'))).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        supportedVersions: SUPPORTED_VERSIONS,
        capabilities: { tools: { listChanged: false } },
        ttlMs: 3_600_000,
        cacheScope: 'public',
        resultType: 'complete',
        _meta: { [MetaKey.serverInfo]: serverInfo },
      },
    });
  });

  it('tools/list carries resultType, serverInfo, ttlMs and cacheScope', async () => {
    const { handle } = setup();
    expect(await handle(modern(1, 'tools/list'))).toMatchObject({
      result: {
        tools: [{ name: 'echo' }, { name: 'search_issues' }],
        resultType: 'complete',
        ttlMs: 3_600_000,
        cacheScope: 'public',
        _meta: { [MetaKey.serverInfo]: serverInfo },
      },
    });
  });

  it('tools/call results carry resultType "complete" and serverInfo in _meta', async () => {
    const { handle } = setup();
    expect(
      await handle(modern(1, 'tools/call', { name: 'echo', arguments: { text: 'hi' } })),
    ).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        content: [{ type: 'text', text: 'hi' }],
        resultType: 'complete',
        _meta: { [MetaKey.serverInfo]: serverInfo },
      },
    });
  });

  it.each(['initialize', 'ping', 'logging/setLevel', 'no/such/method'])(
    'answers %s, which this revision does not have, with -32601',
    async (method) => {
      const { handle } = setup();
      expect(await handle(modern(1, method, { protocolVersion: '2026-07-28' }))).toMatchObject({
        error: { code: ErrorCode.MethodNotFound },
      });
    },
  );

  it('reports progress through _meta.progressToken as in the handshake era', async () => {
    const { handle, sent } = setup();
    await handle(modern(1, 'tools/call', search(2), { progressToken: 'p' }));
    expect(sent.map((n) => n.params?.progress)).toEqual([1, 2]);
  });

  it('stops the tool when the transport aborts (a closed stream), and sends nothing after (spec: r2026-stream-close-cancels, r2026-cancel-stops-work, r2026-cancel-sends-nothing-more)', async () => {
    const { handle, sent, stats } = setup();
    const streamClosed = new AbortController();
    const call = handle(
      modern(1, 'tools/call', search(100, 20), { progressToken: 1 }),
      streamClosed.signal,
    );
    await waitUntil(() => sent.length >= 3);
    streamClosed.abort();
    expect(await call).toBeUndefined();
    const afterClose = sent.length;
    expect(stats).toMatchObject({ searchIssuesAborted: 1, searchIssuesCompleted: 0 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent.length).toBe(afterClose);
  });

  it('ignores notifications/cancelled: over HTTP, closing the stream is the cancellation', async () => {
    const { handle, stats } = setup();
    const call = handle(modern(7, 'tools/call', search(3, 10)));
    await handle(
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } },
      undefined,
      'per-request',
    );
    expect(await call).toMatchObject({ result: { resultType: 'complete' } });
    expect(stats.searchIssuesCompleted).toBe(1);
  });
});

function resultOf(response: JsonRpcResponse | undefined): JsonObject {
  if (!response || !('result' in response))
    throw new Error(`expected a result: ${JSON.stringify(response)}`);
  return response.result;
}

/** Waits for a state the tool must reach; the bound only keeps a broken core from hanging the test. */
async function waitUntil(condition: () => boolean): Promise<void> {
  await expect.poll(condition, { interval: 5 }).toBe(true);
}

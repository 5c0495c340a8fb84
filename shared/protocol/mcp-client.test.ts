// The client core against the server core through an in-memory transport, and
// against scripted transports for timeouts and cancellation.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDemoTools } from '../demo/demo-tools.ts';
import { HandshakeState } from './handshake-state.ts';
import {
  ErrorCode,
  JsonRpcError,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from './jsonrpc.ts';
import {
  McpClient,
  RequestTimeoutError,
  type ClientTransport,
  type SendOptions,
} from './mcp-client.ts';
import { McpServer, eraOf } from './mcp-server.ts';
import { MetaKey, type ProtocolVersion } from './versions.ts';

const clientInfo = { name: 'test-client', version: '0.0.1' };

/** Wires a client straight to a server core, recording every message sent. */
function inMemory(protocolVersion?: ProtocolVersion) {
  const { tools, stats } = createDemoTools();
  const server = new McpServer({ serverInfo: { name: 's', version: '1' }, tools });
  const handshake = new HandshakeState();
  const sent: Array<{ message: JsonRpcMessage; options: SendOptions }> = [];
  const transport: ClientTransport = {
    async send(message, options) {
      sent.push({ message, options });
      const signal = options.signal ?? new AbortController().signal;
      const channel = { send: (n: JsonRpcNotification) => transport.onmessage?.(n), signal };
      // The era as an HTTP server's POST rules would state it: read from the request's _meta.
      const response = await server.handle(
        message,
        eraOf(message) === 'per-request'
          ? { ...channel, era: 'per-request' }
          : { ...channel, era: 'handshake', handshake },
      );
      if (response) transport.onmessage?.(response);
    },
  };
  const client = new McpClient({
    transport,
    clientInfo,
    ...(protocolVersion ? { protocolVersion } : {}),
  });
  return { client, sent, stats };
}

/** A transport that records messages and lets the test answer them. */
function scripted() {
  const sent: Array<{ message: JsonRpcMessage; options: SendOptions }> = [];
  const transport: ClientTransport = {
    send(message, options) {
      sent.push({ message, options });
      return Promise.resolve();
    },
  };
  const deliver = (message: JsonRpcMessage) => transport.onmessage?.(message);
  return { transport, sent, deliver };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('handshake era', () => {
  it('connects with initialize, then notifications/initialized, then sends the negotiated version', async () => {
    const { client, sent } = inMemory('2025-11-25');
    await client.connect();
    await client.listTools();
    expect(sent.map(({ message }) => ('method' in message ? message.method : 'response'))).toEqual([
      'initialize',
      'notifications/initialized',
      'tools/list',
    ]);
    expect(sent[0]?.options.protocolVersion).toBeUndefined();
    expect(sent[2]?.options.protocolVersion).toBe('2025-11-25');
    expect(client.serverInfo).toEqual({ name: 's', version: '1' });
  });

  it('gives up and closes when the server counter-offers a version the client does not speak', async () => {
    const { transport, sent, deliver } = scripted();
    const closed = vi.fn(() => Promise.resolve());
    transport.close = closed;
    const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
    const connecting = client.connect();
    await vi.waitUntil(() => sent.length === 1);
    deliver({
      jsonrpc: '2.0',
      id: 1,
      result: { protocolVersion: '1999-01-01', capabilities: {}, serverInfo: {} },
    });
    await expect(connecting).rejects.toThrow('1999-01-01');
    expect(closed).toHaveBeenCalled();
  });

  it('routes progress to the request whose token it names, with two calls in flight', async () => {
    const { client } = inMemory('2025-11-25');
    await client.connect();
    const seen: Record<string, number[]> = { a: [], b: [] };
    const args = (pages: number) => ({ query: 'x', pages, delayMs: 1 });
    await Promise.all([
      client.callTool('search_issues', args(2), { onprogress: (p) => seen.a?.push(p.progress) }),
      client.callTool('search_issues', args(3), { onprogress: (p) => seen.b?.push(p.progress) }),
    ]);
    expect(seen).toEqual({ a: [1, 2], b: [1, 2, 3] });
  });

  it('rejects with the JSON-RPC error, its code and data, when the server answers an error', async () => {
    const { client } = inMemory('2025-11-25');
    await client.connect();
    const failure = client.callTool('no_such_tool', {});
    await expect(failure).rejects.toBeInstanceOf(JsonRpcError);
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
  });

  it('a timed-out request is rejected, its transport signal aborted, and notifications/cancelled sent (spec: shttp-client-cancel-explicitly)', async () => {
    vi.useFakeTimers();
    const { transport, sent, deliver } = scripted();
    const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
    const connecting = client.connect();
    deliver({
      jsonrpc: '2.0',
      id: 1,
      result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: {} },
    });
    await connecting;

    const call = client.request('tools/call', { name: 'slow' }, { timeoutMs: 1_000 });
    const rejected = expect(call).rejects.toBeInstanceOf(RequestTimeoutError);
    await vi.advanceTimersByTimeAsync(1_000);
    await rejected;
    const request = sent.find(
      ({ message }) => 'method' in message && message.method === 'tools/call',
    );
    expect(request?.options.signal?.aborted).toBe(true);
    expect(sent.at(-1)?.message).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: {
        requestId: (request?.message as JsonRpcRequest).id,
        reason: 'tools/call timed out after 1000 ms',
      },
    });
    // A response that arrives after the cancel is ignored, as the spec asks.
    expect(() => deliver({ jsonrpc: '2.0', id: 2, result: {} })).not.toThrow();
  });
});

describe('revision 2026-07-28', () => {
  it('sends no handshake and puts version, capabilities and clientInfo in every request _meta', async () => {
    const { client, sent } = inMemory('2026-07-28');
    await client.connect();
    await client.listTools();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.message).toMatchObject({
      method: 'tools/list',
      params: {
        _meta: {
          [MetaKey.protocolVersion]: '2026-07-28',
          [MetaKey.clientCapabilities]: {},
          [MetaKey.clientInfo]: clientInfo,
        },
      },
    });
    expect(sent[0]?.options.protocolVersion).toBe('2026-07-28');
  });

  it.each([
    ['the version it was refused', ['2026-07-28'], 2],
    ['only handshake-era versions', ['2025-11-25', '2025-06-18'], 1],
  ])(
    'never loops on -32022 (2026-07-28 Versioning: retry with a supported version, or surface the error): a server that always refuses, listing %s, gets at most one retry',
    async (_case, supported, expectedRequests) => {
      const sent: JsonRpcRequest[] = [];
      const transport: ClientTransport = {
        send(message) {
          const request = message as JsonRpcRequest;
          sent.push(request);
          const requested = (request.params?._meta as Record<string, unknown>)[
            MetaKey.protocolVersion
          ];
          transport.onmessage?.({
            jsonrpc: '2.0',
            id: request.id,
            error: {
              code: ErrorCode.UnsupportedProtocolVersion,
              message: 'Unsupported protocol version',
              data: { supported, requested },
            },
          });
          return Promise.resolve();
        },
      };
      const client = new McpClient({ transport, clientInfo, protocolVersion: '2026-07-28' });
      await client.connect();
      await expect(client.listTools()).rejects.toMatchObject({
        code: ErrorCode.UnsupportedProtocolVersion,
        data: { supported },
      });
      expect(sent).toHaveLength(expectedRequests);
      // A retry names a per-request version in _meta, never a handshake-era one.
      for (const request of sent) {
        expect(request.params?._meta).toMatchObject({ [MetaKey.protocolVersion]: '2026-07-28' });
      }
    },
  );

  it('server/discover tells the client who the server is', async () => {
    const { client } = inMemory();
    await client.connect();
    const result = await client.discover();
    expect(result.supportedVersions).toContain('2026-07-28');
    expect(client.serverInfo).toEqual({ name: 's', version: '1' });
  });

  it('cancels by aborting the transport signal only: no notifications/cancelled', async () => {
    const { client, sent, stats } = inMemory('2026-07-28');
    await client.connect();
    const user = new AbortController();
    const call = client.callTool(
      'search_issues',
      { query: 'x', pages: 100, delayMs: 10 },
      {
        signal: user.signal,
        onprogress: (p) => {
          if (p.progress === 2) user.abort(new Error('user pressed Ctrl-C'));
        },
      },
    );
    await expect(call).rejects.toThrow('user pressed Ctrl-C');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.options.signal?.aborted).toBe(true);
    await vi.waitUntil(() => stats.searchIssuesAborted === 1);
  });

  it('progress resets the idle timeout, but not the hard maximum', async () => {
    vi.useFakeTimers();
    const { transport, sent, deliver } = scripted();
    const client = new McpClient({ transport, clientInfo });
    await client.connect();
    const call = client.request(
      'tools/call',
      {},
      {
        onprogress: () => {},
        timeoutMs: 1_000,
        maxTotalTimeoutMs: 5_000,
      },
    );
    const rejected = expect(call).rejects.toMatchObject({ afterMs: 5_000 });
    const token = (sent[0]?.message as JsonRpcRequest).params?._meta as Record<string, unknown>;
    for (let progress = 1; progress <= 10; progress += 1) {
      await vi.advanceTimersByTimeAsync(600); // each gap is shorter than the idle timeout
      deliver({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: token.progressToken as number, progress },
      });
    }
    await rejected;
  });

  it('treats a result without resultType as complete, and rejects an unknown resultType', async () => {
    const { transport, deliver } = scripted();
    const client = new McpClient({ transport, clientInfo });
    await client.connect();
    const legacy = client.request('tools/list');
    deliver({ jsonrpc: '2.0', id: 1, result: { tools: [] } });
    await expect(legacy).resolves.toEqual({ tools: [] });
    const strange = client.request('tools/list');
    deliver({ jsonrpc: '2.0', id: 2, result: { resultType: 'maybe_later' } });
    await expect(strange).rejects.toThrow('unsupported resultType "maybe_later"');
  });
});

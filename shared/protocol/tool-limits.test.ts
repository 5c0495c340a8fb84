// How large a tool call may be, both ways: arguments over maxToolArgumentsBytes
// are refused before the tool runs; a result over maxToolResultBytes becomes a
// tool error. And the HTTP status each era gives the refusal.
import { describe, expect, it } from 'vitest';
import { createDemoTools } from '../demo/demo-tools.ts';
import { httpStatusFor } from '../http/errors.ts';
import type { Limits } from '../limits.ts';
import { HandshakeState } from './handshake-state.ts';
import { ErrorCode, type JsonObject, type JsonRpcResponse } from './jsonrpc.ts';
import { McpServer, isLimitError } from './mcp-server.ts';
import type { Tool } from './tools.ts';
import { MetaKey } from './versions.ts';

/** A tool that returns `size` characters of text, and counts its runs. */
const runs = { large: 0 };
const large: Tool<{ size: number }> = {
  name: 'large',
  description: 'Returns as many characters as it is asked for.',
  inputSchema: { type: 'object', properties: { size: { type: 'integer' } }, required: ['size'] },
  run: ({ size }) => {
    runs.large += 1;
    return Promise.resolve({ content: [{ type: 'text', text: 'z'.repeat(size) }] });
  },
};

function setup(limits: Partial<Limits>) {
  const server = new McpServer({
    serverInfo: { name: 'limits', version: '1.0.0' },
    tools: [...createDemoTools().tools, large],
    limits,
  });
  const signal = new AbortController().signal;
  const call = (args: JsonObject, era: 'handshake' | 'per-request' = 'handshake', name = 'echo') =>
    era === 'handshake'
      ? server.handle(
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } },
          { send: () => {}, signal, era, handshake: new HandshakeState('2025-11-25') },
        )
      : server.handle(
          {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: {
              name,
              arguments: args,
              _meta: {
                [MetaKey.protocolVersion]: '2026-07-28',
                [MetaKey.clientCapabilities]: {},
              },
            },
          },
          { send: () => {}, signal, era },
        );
  return { call };
}

/** Arguments for echo whose JSON is exactly `bytes` long. */
function echoArguments(bytes: number): JsonObject {
  const overhead = JSON.stringify({ text: '' }).length;
  return { text: 'a'.repeat(bytes - overhead) };
}

describe('tool arguments larger than maxToolArgumentsBytes', () => {
  it.each(['handshake', 'per-request'] as const)(
    'are refused in the %s era with -32602 naming the limit and its value, before the tool runs',
    async (era) => {
      const { call } = setup({ maxToolArgumentsBytes: 1024 });
      const response = await call(echoArguments(1025), era);
      expect(response).toMatchObject({
        id: 1,
        error: {
          code: ErrorCode.InvalidParams,
          message: expect.stringContaining('maxToolArgumentsBytes = 1024') as unknown,
          data: { limit: 'maxToolArgumentsBytes', value: 1024 },
        },
      });
    },
  );

  it('are measured in UTF-8 bytes, not characters: 1,000 characters of é are 2,000 bytes', async () => {
    const { call } = setup({ maxToolArgumentsBytes: 1500 });
    const response = await call({ text: 'é'.repeat(1000) });
    expect(response).toMatchObject({ error: { data: { limit: 'maxToolArgumentsBytes' } } });
  });

  it('pass at exactly the limit', async () => {
    const { call } = setup({ maxToolArgumentsBytes: 1024 });
    const response = await call(echoArguments(1024));
    expect(response).toMatchObject({ result: { content: [{ type: 'text' }] } });
    expect(response).not.toHaveProperty('result.isError');
  });

  it('does not run the tool', async () => {
    const { call } = setup({ maxToolArgumentsBytes: 64 });
    const before = runs.large;
    await call({ size: 1, padding: 'p'.repeat(100) }, 'handshake', 'large');
    expect(runs.large).toBe(before);
  });
});

describe('a tool result larger than maxToolResultBytes', () => {
  it('becomes a tool error (isError) whose text names the limit: the tool failed, not the request', async () => {
    const { call } = setup({ maxToolResultBytes: 4096 });
    const response = (await call({ size: 8192 }, 'handshake', 'large')) as JsonRpcResponse;
    expect(response).toMatchObject({
      result: {
        isError: true,
        content: [
          { type: 'text', text: expect.stringContaining('maxToolResultBytes = 4096') as unknown },
        ],
      },
    });
  });

  it('passes when it fits', async () => {
    const { call } = setup({ maxToolResultBytes: 4096 });
    const response = await call({ size: 1000 }, 'handshake', 'large');
    expect(response).not.toHaveProperty('result.isError');
  });
});

describe('the HTTP status of a refusal for tool arguments', () => {
  it('is 200 in the handshake era and 400 in 2026-07-28, told apart from the other -32602s by data.limit', async () => {
    const { call } = setup({ maxToolArgumentsBytes: 1024 });
    const refused = (await call(echoArguments(4096), 'per-request')) as JsonRpcResponse;
    expect('error' in refused && isLimitError(refused.error)).toBe(true);
    expect(httpStatusFor(refused, 'handshake')).toBe(200);
    expect(httpStatusFor(refused, 'per-request')).toBe(400);
    // An unknown tool is a -32602 too, and still comes in a 200: only a limit (or a bad _meta) brings the 400.
    const unknown = (await call({}, 'per-request', 'nope')) as JsonRpcResponse;
    expect(unknown).toMatchObject({ error: { code: ErrorCode.InvalidParams } });
    expect(httpStatusFor(unknown, 'per-request')).toBe(200);
  });
});

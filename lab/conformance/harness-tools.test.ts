// The conformance harness tools, run through the server core one call at a time,
// checked for the output shapes the conformance suite's scenarios look for.
import { describe, expect, it } from 'vitest';
import { HandshakeState } from '../../shared/protocol/handshake-state.ts';
import {
  ErrorCode,
  type JsonObject,
  type JsonRpcNotification,
} from '../../shared/protocol/jsonrpc.ts';
import { McpServer } from '../../shared/protocol/mcp-server.ts';
import { MetaKey } from '../../shared/protocol/versions.ts';
import { mirroredParameters, requestHeaders } from '../../shared/http/request-metadata.ts';
import {
  HARNESS_TOOLS,
  JSON_SCHEMA_2020_12_INPUT_SCHEMA,
  RECONNECTION_TOOL_MS,
  X_MCP_HEADER_INPUT_SCHEMA,
} from './harness-tools.ts';

const serverInfo = { name: 'conformance-harness', version: '0.0.0' };

function setup() {
  const errors: unknown[] = [];
  const server = new McpServer({
    serverInfo,
    tools: HARNESS_TOOLS,
    onError: (e) => errors.push(e),
  });
  const handshake = new HandshakeState('2025-11-25');
  const sent: JsonRpcNotification[] = [];
  const call = async (name: string, meta?: JsonObject) => {
    const response = await server.handle(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name, arguments: {}, ...(meta ? { _meta: meta } : {}) },
      },
      {
        send: (n) => sent.push(n),
        signal: new AbortController().signal,
        era: 'handshake',
        handshake,
      },
    );
    if (!response || !('result' in response))
      throw new Error(`no result: ${JSON.stringify(response)}`);
    return response.result;
  };
  return { server, handshake, sent, call, errors };
}

/** The decoded bytes of a base64 block. */
const bytes = (base64: unknown) => Buffer.from(String(base64), 'base64');

describe('conformance harness tools', () => {
  it('tools/list lists every tool with a description and a name the suite accepts', async () => {
    const { server, handshake } = setup();
    const response = await server.handle(
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { send: () => {}, signal: new AbortController().signal, era: 'handshake', handshake },
    );
    if (!response || !('result' in response)) throw new Error('tools/list failed');
    const { tools } = response.result as { tools: JsonObject[] };
    expect(tools.map((t) => t.name)).toEqual([
      'json_schema_2020_12_tool',
      'test_audio_content',
      'test_embedded_resource',
      'test_error_handling',
      'test_image_content',
      'test_logging_tool',
      'test_missing_capability',
      'test_multiple_content_types',
      'test_reconnection',
      'test_simple_text',
      'test_streaming_elicitation',
      'test_tool_with_progress',
      'test_x_mcp_header',
    ]);
    for (const tool of tools) {
      expect(tool.name).toMatch(/^[A-Za-z0-9_.-]{1,128}$/);
      expect(tool.description).toEqual(expect.any(String));
      expect(tool.inputSchema).toMatchObject({ type: 'object' });
    }
  });

  it('test_simple_text returns one text block', async () => {
    const { call } = setup();
    expect(await call('test_simple_text')).toEqual({
      content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
    });
  });

  it('test_image_content returns a base64 PNG with mimeType image/png', async () => {
    const { call } = setup();
    const { content } = (await call('test_image_content')) as { content: JsonObject[] };
    expect(content).toEqual([
      { type: 'image', data: expect.any(String) as string, mimeType: 'image/png' },
    ]);
    expect(bytes(content[0]?.data).subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });

  it('test_audio_content returns a base64 WAV with mimeType audio/wav', async () => {
    const { call } = setup();
    const { content } = (await call('test_audio_content')) as { content: JsonObject[] };
    expect(content).toEqual([
      { type: 'audio', data: expect.any(String) as string, mimeType: 'audio/wav' },
    ]);
    const wav = bytes(content[0]?.data);
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
    expect(wav.toString('latin1', 8, 12)).toBe('WAVE');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
  });

  it('test_embedded_resource returns a text resource with uri, mimeType and text', async () => {
    const { call } = setup();
    expect(await call('test_embedded_resource')).toEqual({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    });
  });

  it('test_multiple_content_types returns a text, an image and a resource block', async () => {
    const { call } = setup();
    const { content } = (await call('test_multiple_content_types')) as { content: JsonObject[] };
    expect(content.map((c) => c.type)).toEqual(['text', 'image', 'resource']);
    expect(content[2]).toEqual({
      type: 'resource',
      resource: {
        uri: 'test://mixed-content-resource',
        mimeType: 'application/json',
        text: '{"test":"data","value":123}',
      },
    });
  });

  it('test_error_handling fails as a result with isError and the message, not as a JSON-RPC error', async () => {
    const { call, errors } = setup();
    expect(await call('test_error_handling')).toEqual({
      isError: true,
      content: [
        {
          type: 'text',
          text: 'test_error_handling failed: This tool intentionally returns an error for testing',
        },
      ],
    });
    expect(errors).toEqual([]);
  });

  it('test_tool_with_progress reports 0, 50 and 100 of 100 with the caller’s progressToken, all before the result', async () => {
    const { call, sent } = setup();
    const timeline: string[] = [];
    const done = call('test_tool_with_progress', { progressToken: 'progress-test-1' }).then(
      (result) => {
        timeline.push(`result after ${sent.length} notifications`);
        return result;
      },
    );
    expect(await done).toMatchObject({ content: [{ type: 'text' }] });
    expect(sent).toEqual(
      [0, 50, 100].map((progress) => ({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'progress-test-1', progress, total: 100 },
      })),
    );
    expect(timeline).toEqual(['result after 3 notifications']);
  });

  it('test_tool_with_progress sends no progress without a progressToken', async () => {
    const { call, sent } = setup();
    await call('test_tool_with_progress');
    expect(sent).toEqual([]);
  });

  it(`test_reconnection answers only after ${RECONNECTION_TOOL_MS} ms`, async () => {
    const { call } = setup();
    const started = performance.now();
    expect(await call('test_reconnection')).toMatchObject({ content: [{ type: 'text' }] });
    // Timers may fire a millisecond early; the point is the wait, not its precision.
    expect(performance.now() - started).toBeGreaterThanOrEqual(RECONNECTION_TOOL_MS - 5);
  });
});

describe('json_schema_2020_12_tool', () => {
  it('is listed with its 2020-12 input schema unchanged: $schema, $defs with $anchor, if/then/else', async () => {
    const { server, handshake } = setup();
    const response = await server.handle(
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { send: () => {}, signal: new AbortController().signal, era: 'handshake', handshake },
    );
    if (!response || !('result' in response)) throw new Error('tools/list failed');
    const { tools } = response.result as { tools: JsonObject[] };
    expect(tools.find((tool) => tool.name === 'json_schema_2020_12_tool')?.inputSchema).toEqual(
      JSON_SCHEMA_2020_12_INPUT_SCHEMA,
    );
  });

  it('validates against its schema: either phone or email is required', async () => {
    const { server, handshake } = setup();
    const call = (args: JsonObject) =>
      server.handle(
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'json_schema_2020_12_tool', arguments: args },
        },
        { send: () => {}, signal: new AbortController().signal, era: 'handshake', handshake },
      );
    expect(await call({ name: 'Ada' })).toMatchObject({ result: { isError: true } });
    expect(
      await call({ name: 'Ada', contactMethod: 'email', email: 'ada@example.org' }),
    ).toMatchObject({
      result: { content: [{ type: 'text' }] },
    });
  });
});

describe('the 2026-07-28 diagnostic tools of scenario server-stateless', () => {
  /** Calls a tool as a 2026-07-28 request: version and capabilities in `_meta`, no handshake. */
  async function call2026(name: string, capabilities: JsonObject, meta: JsonObject = {}) {
    const errors: unknown[] = [];
    const server = new McpServer({
      serverInfo,
      tools: HARNESS_TOOLS,
      onError: (e) => errors.push(e),
    });
    const sent: JsonRpcNotification[] = [];
    const response = await server.handle(
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name,
          arguments: {},
          _meta: {
            [MetaKey.protocolVersion]: '2026-07-28',
            [MetaKey.clientCapabilities]: capabilities,
            ...meta,
          },
        },
      },
      {
        send: (n) => sent.push(n),
        signal: new AbortController().signal,
        era: 'per-request',
      },
    );
    expect(errors).toEqual([]);
    return { response, sent };
  }

  it('test_missing_capability is refused with -32021 and requiredCapabilities { sampling: {} } when the client did not declare sampling', async () => {
    const { response } = await call2026('test_missing_capability', {});
    expect(response).toMatchObject({
      id: 7,
      error: {
        code: ErrorCode.MissingRequiredClientCapability,
        data: { requiredCapabilities: { sampling: {} } },
      },
    });
  });

  it('test_missing_capability runs for a client that declared sampling', async () => {
    const { response } = await call2026('test_missing_capability', { sampling: {} });
    expect(response).toMatchObject({ result: { content: [{ type: 'text' }] } });
  });

  it('test_streaming_elicitation puts only notifications before its result, never a request (spec: r2026-stream-no-requests)', async () => {
    const { response, sent } = await call2026(
      'test_streaming_elicitation',
      { elicitation: {} },
      { progressToken: 'stream-1' },
    );
    expect(response).toMatchObject({ result: { content: [{ type: 'text' }] } });
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((message) => message.method.startsWith('notifications/'))).toBe(true);
  });

  it('test_logging_tool sends nothing at all without a logLevel, and answers', async () => {
    const { response, sent } = await call2026('test_logging_tool', {});
    expect(response).toMatchObject({ result: { content: [{ type: 'text' }] } });
    expect(sent).toEqual([]);
  });
});

describe('test_x_mcp_header (scenario http-custom-header-server-validation)', () => {
  it('is the only listed tool with an x-mcp-header property, a string, so the suite picks it', () => {
    const marked = HARNESS_TOOLS.filter((tool) => mirroredParameters(tool.inputSchema).length > 0);
    expect(marked.map((tool) => tool.name)).toEqual(['test_x_mcp_header']);
    expect(mirroredParameters(X_MCP_HEADER_INPUT_SCHEMA)).toEqual([
      { header: 'Region', path: ['region'], type: 'string' },
    ]);
  });

  it('has its region mirrored into Mcp-Param-Region, Base64-encoded when not plain ASCII, and echoes it', async () => {
    const tool = HARNESS_TOOLS.find((t) => t.name === 'test_x_mcp_header');
    const request = (region: string) => ({
      jsonrpc: '2.0' as const,
      id: 1,
      method: 'tools/call',
      params: { name: 'test_x_mcp_header', arguments: { region } },
    });
    expect(requestHeaders(request('eu-west1'), tool)).toMatchObject({
      'Mcp-Name': 'test_x_mcp_header',
      'Mcp-Param-Region': 'eu-west1',
    });
    expect(requestHeaders(request('Zürich'), tool)['Mcp-Param-Region']).toBe(
      `=?base64?${Buffer.from('Zürich').toString('base64')}?=`,
    );
    const server = new McpServer({ serverInfo, tools: HARNESS_TOOLS });
    const response = await server.handle(request('eu-west1'), {
      send: () => {},
      signal: new AbortController().signal,
      era: 'handshake',
      handshake: new HandshakeState('2025-11-25'),
    });
    expect(response).toMatchObject({
      result: { content: [{ type: 'text', text: 'Region: eu-west1' }] },
    });
  });
});

// Stage 01 on the wire: what each request, good or bad, gets back. Every bad
// input has a stated answer, and none crashes or hangs the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetaKey } from '../shared/protocol/versions.ts';
import { DEFAULT_LIMITS } from '../shared/limits.ts';
import { rawRequest } from '../lab/support/raw-http.ts';
import { createPlainHttpServer, type PlainHttpServer } from './server.ts';

let server: PlainHttpServer;
const errors: unknown[] = [];

beforeAll(async () => {
  server = await createPlainHttpServer({
    port: 0,
    allowedOrigins: ['http://localhost:5173'],
    onError: (error) => errors.push(error),
  });
});
afterAll(async () => {
  await server.close();
  // Bad input is answered, never reported as a server bug.
  expect(errors).toEqual([]);
});

const JSON_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
};

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

const rpc = (message: object, headers?: Record<string, string>) =>
  post(JSON.stringify({ jsonrpc: '2.0', ...message }), headers);

const modernMeta = { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} };

/** The headers a 2026-07-28 client sends: the version, and the method and name mirrored from the body. */
const modernHeaders = (method: string, name?: string): Record<string, string> => ({
  'MCP-Protocol-Version': '2026-07-28',
  'Mcp-Method': method,
  ...(name === undefined ? {} : { 'Mcp-Name': name }),
});

describe('POST /mcp with bad input', () => {
  it('answers malformed JSON with 400 and -32700', async () => {
    const { status, json } = await post('{"jsonrpc": "2.0", "id": 1,');
    expect(status).toBe(400);
    expect(json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it('[schema 2025-11-25] leaves the id out of the parse error of a 2025-11-25 request (id optional, null no RequestId)', async () => {
    const { status, json } = await post('{"jsonrpc": "2.0", "id": 1,', {
      'MCP-Protocol-Version': '2025-11-25',
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    expect(json).not.toHaveProperty('id');
  });

  it('answers valid JSON that is no JSON-RPC message with 400 and -32600', async () => {
    const { status, json } = await post('{"hello": "world"}');
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('answers a body that is not declared JSON with 415', async () => {
    const { status, json } = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      'Content-Type': 'text/plain',
    });
    expect(status).toBe(415);
    expect(json).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('answers a body over 1 MiB with 413', async () => {
    const text = 'x'.repeat(DEFAULT_LIMITS.maxBodyBytes);
    const { status, json } = await rpc({
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text } },
    });
    expect(status).toBe(413);
    expect(json).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('answers GET with 405 and Allow: POST (spec: shttp-get-sse-or-405)', async () => {
    const response = await fetch(server.url, { headers: { Accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers DELETE with 405 too: there is no session to end', async () => {
    const response = await fetch(server.url, { method: 'DELETE' });
    expect(response.status).toBe(405);
  });

  it('answers an unknown method with -32601 (inside a 200 in the handshake era)', async () => {
    const { status, json } = await rpc({ id: 4, method: 'resources/list' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ id: 4, error: { code: -32601 } });
  });

  it('answers bad tool arguments with a result whose isError is true', async () => {
    const { status, json } = await rpc({
      id: 5,
      method: 'tools/call',
      params: { name: 'search_issues', arguments: {} },
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ id: 5, result: { isError: true } });
  });

  it('answers a foreign Origin with 403 and runs nothing (spec: shttp-origin-validate, shttp-origin-invalid-403)', async () => {
    const { status, json } = await rpc(
      { id: 6, method: 'ping' },
      { Origin: 'http://evil.example' },
    );
    expect(status).toBe(403);
    expect(json).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('answers a Host that is not a loopback name with 403 (DNS rebinding)', async () => {
    const { status } = await rawRequest(server.url, {
      method: 'POST',
      headers: { Host: 'evil.example', ...JSON_HEADERS },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(status).toBe(403);
  });

  it('accepts its own origin and an allow-listed one (spec: shttp-origin-validate)', async () => {
    const own = new URL(server.url).origin;
    expect((await rpc({ id: 7, method: 'ping' }, { Origin: own })).status).toBe(200);
    expect((await rpc({ id: 8, method: 'ping' }, { Origin: 'http://localhost:5173' })).status).toBe(
      200,
    );
  });

  it('answers an unsupported MCP-Protocol-Version header with 400 and -32022, echoing the id (2025-06-18+) (spec: shttp-version-header-400-unsupported)', async () => {
    const { status, json } = await rpc(
      { id: 9, method: 'ping' },
      { 'MCP-Protocol-Version': '1999-01-01' },
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({
      id: 9,
      error: { code: -32022, data: { requested: '1999-01-01' } },
    });
  });

  it.each(['application/json', 'text/event-stream', ''])(
    'answers Accept: %s (not both types) with 406 and runs nothing (spec: shttp-post-accept-both)',
    async (accept) => {
      const { status, json } = await rpc({ id: 10, method: 'ping' }, { Accept: accept });
      expect(status).toBe(406);
      expect(json).toMatchObject({ id: null, error: { code: -32600 } });
    },
  );

  it('answers any other path with 404', async () => {
    const response = await fetch(new URL('/elsewhere', server.url), {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{}',
    });
    expect(response.status).toBe(404);
  });

  it('survives a run of hostile bodies, answering each with a 4xx', async () => {
    const bodies = [
      '',
      ' ',
      'null',
      '[]',
      '[1,2]',
      '{"jsonrpc":"2.0","method":{}}',
      '\u0000',
      '{"a":'.repeat(500),
      '"\\ud800"',
      '{"jsonrpc":"2.0","id":[],"method":"x"}',
    ];
    for (const body of bodies) {
      const { status } = await post(body, { 'MCP-Protocol-Version': '2025-11-25' });
      expect(status, body.slice(0, 20)).toBeGreaterThanOrEqual(400);
      expect(status, body.slice(0, 20)).toBeLessThan(500);
    }
    expect((await rpc({ id: 1, method: 'ping' })).status).toBe(200);
  });
});

describe('POST /mcp with notifications and responses', () => {
  it('accepts a notification with 202 and no body (spec: shttp-post-202-accepted)', async () => {
    const { status, text } = await rpc({ method: 'notifications/initialized' });
    expect(status).toBe(202);
    expect(text).toBe('');
  });

  it('accepts a response with 202 and no body (spec: shttp-post-202-accepted)', async () => {
    const { status, text } = await rpc({ id: 'from-client', result: {} });
    expect(status).toBe(202);
    expect(text).toBe('');
  });
});

describe('batches (2025-03-26 only)', () => {
  const batch = JSON.stringify([
    { jsonrpc: '2.0', id: 1, method: 'ping' },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  ]);

  it('answers each request of a batch when no version header says otherwise (spec: shttp-post-body-message-or-batch, shttp-server-assume-2025-03-26)', async () => {
    const { status, json } = await post(batch);
    expect(status).toBe(200);
    expect((json as Array<{ id: number }>).map((r) => r.id).sort()).toEqual([1, 2]);
  });

  it('refuses a batch from a 2025-06-18 client with 400 and -32600 (spec: shttp-post-body-single-message)', async () => {
    const { status, json } = await post(batch, { 'MCP-Protocol-Version': '2025-06-18' });
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { code: -32600 } });
  });

  it('refuses initialize inside a batch', async () => {
    const body = JSON.stringify([
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-03-26',
          capabilities: {},
          clientInfo: { name: 'c', version: '1' },
        },
      },
    ]);
    const { json } = await post(body);
    expect(json).toMatchObject([{ id: 1, error: { code: -32600 } }]);
  });
});

describe('revision 2026-07-28 on stage 01', () => {
  it('answers a self-contained request with resultType and serverInfo', async () => {
    const { status, json } = await rpc(
      {
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'hi' }, _meta: modernMeta },
      },
      modernHeaders('tools/call', 'echo'),
    );
    expect(status).toBe(200);
    expect(json).toMatchObject({
      id: 1,
      result: { resultType: 'complete', content: [{ text: 'hi' }] },
    });
  });

  it('answers a method the revision does not have with 404 and -32601 (spec: r2026-unknown-method-404)', async () => {
    const { status, json } = await rpc(
      { id: 2, method: 'ping', params: { _meta: modernMeta } },
      modernHeaders('ping'),
    );
    expect(status).toBe(404);
    expect(json).toMatchObject({ id: 2, error: { code: -32601 } });
  });

  it('answers missing _meta fields with 400 and -32602', async () => {
    const { status, json } = await rpc(
      {
        id: 3,
        method: 'tools/list',
        params: { _meta: { [MetaKey.protocolVersion]: '2026-07-28' } },
      },
      modernHeaders('tools/list'),
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: 3, error: { code: -32602 } });
  });

  it('answers MCP-Protocol-Version: 2026-07-28 on a request without _meta with 400 and -32602, not a handshake-era answer (2026-07-28 _meta: a request missing a required field is malformed)', async () => {
    const { status, json } = await rpc(
      { id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } },
      modernHeaders('tools/call', 'echo'),
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: 7, error: { code: -32602 } });
    expect(json).not.toHaveProperty('result');
  });

  it('answers a version header that disagrees with _meta with 400 and -32020 (spec: r2026-version-mismatch-400)', async () => {
    const { status, json } = await rpc(
      { id: 4, method: 'tools/list', params: { _meta: modernMeta } },
      { ...modernHeaders('tools/list'), 'MCP-Protocol-Version': '2025-11-25' },
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: 4, error: { code: -32020 } });
  });

  it('answers a request without the version header with 400 and -32020 (spec: r2026-missing-version-header-rejected, r2026-validation-failure-400-32020)', async () => {
    const { status, json } = await rpc(
      { id: 5, method: 'tools/list', params: { _meta: modernMeta } },
      { 'Mcp-Method': 'tools/list' },
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: 5, error: { code: -32020 } });
  });

  it.each([
    ['Mcp-Method and Mcp-Name are both missing', { 'MCP-Protocol-Version': '2026-07-28' }],
    ['Mcp-Method is missing', { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Name': 'echo' }],
    ['Mcp-Method disagrees with the body', modernHeaders('tools/list', 'echo')],
    ['Mcp-Name is missing', modernHeaders('tools/call')],
    ['Mcp-Name disagrees with the body', modernHeaders('tools/call', 'search_issues')],
  ])(
    'answers a tools/call 400 and -32020, echoing the id, when %s (2026-07-28 Request Metadata, as on stage 03) (spec: r2026-server-rejects-header-body-mismatch, r2026-validation-failure-400-32020)',
    async (_case, headers) => {
      const { status, json } = await rpc(
        {
          id: 6,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'hi' }, _meta: modernMeta },
        },
        headers,
      );
      expect(status).toBe(400);
      expect(json).toMatchObject({ id: 6, error: { code: -32020 } });
    },
  );
});

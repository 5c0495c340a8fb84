// The POST rules on their own: a request as headers and a body text, the
// outcome as a value. No server, no HTTP: what each stage's POST handler is given.
import { describe, expect, it } from 'vitest';
import { checkBatch, checkPost, type IncomingPost, type ToolLookup } from './post-rules.ts';
import { MetaKey, SUPPORTED_VERSIONS } from '../protocol/versions.ts';
import { DEFAULT_LIMITS, limitRefusal, limitsWith } from '../limits.ts';

const BOTH = 'application/json, text/event-stream';
const noTools: ToolLookup = { findTool: () => undefined };

/** A POST as the rules see it: headers by lower-case name, the body as readJsonBody leaves it. */
function incoming(body: unknown, headers: Record<string, string> = {}): IncomingPost {
  const lower = Object.fromEntries(
    Object.entries({ accept: BOTH, ...headers }).map(([name, value]) => [
      name.toLowerCase(),
      value,
    ]),
  );
  return { get: (name) => lower[name.toLowerCase()], body: JSON.stringify(body) };
}

const meta = { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} };
const modernCall = {
  jsonrpc: '2.0',
  id: 7,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hi' }, _meta: meta },
};
const modernHeaders = {
  'MCP-Protocol-Version': '2026-07-28',
  'Mcp-Method': 'tools/call',
  'Mcp-Name': 'echo',
};
const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };

describe('Accept (every revision with Streamable HTTP)', () => {
  it.each(['application/json', 'text/event-stream', '*/*', ''])(
    'refuses Accept: %s with 406, since both types must be listed (spec: shttp-post-accept-both)',
    (accept) => {
      expect(checkPost(incoming(ping, { Accept: accept }), noTools, DEFAULT_LIMITS)).toMatchObject({
        ok: false,
        status: 406,
        error: { id: null, error: { code: -32600 } },
      });
    },
  );

  it('accepts both types with parameters and in any case', () => {
    const accept = 'Text/Event-Stream;q=0.5, application/json;q=1';
    expect(checkPost(incoming(ping, { Accept: accept }), noTools, DEFAULT_LIMITS)).toMatchObject({
      ok: true,
    });
  });
});

describe('the body', () => {
  it('refuses a body that is not JSON with 400 and -32700', () => {
    const post: IncomingPost = { get: (name) => (name === 'accept' ? BOTH : undefined), body: '{' };
    expect(checkPost(post, noTools, DEFAULT_LIMITS)).toMatchObject({
      ok: false,
      status: 400,
      error: { error: { code: -32700 } },
    });
  });

  it('refuses JSON that is no JSON-RPC message with 400 and -32600', () => {
    expect(checkPost(incoming({ hello: 'world' }), noTools, DEFAULT_LIMITS)).toMatchObject({
      ok: false,
      status: 400,
      error: { error: { code: -32600 } },
    });
  });
});

describe('limits on the body', () => {
  it('refuses a message nested deeper than maxJsonDepth with 400 and the maxJsonDepth refusal', () => {
    let params: object = {};
    for (let level = 0; level < 100; level += 1) params = { a: params };
    const refusal = limitRefusal('maxJsonDepth', DEFAULT_LIMITS);
    expect(checkPost(incoming({ ...ping, params }), noTools, DEFAULT_LIMITS)).toEqual({
      ok: false,
      status: 400,
      error: {
        jsonrpc: '2.0',
        id: 1,
        error: { code: refusal.code, message: refusal.message, data: refusal.data },
      },
    });
  });
});

describe('MCP-Protocol-Version (2025-06-18+)', () => {
  it.each(['1999-01-01', 'latest', ''])(
    'refuses the unsupported value "%s" with 400 and -32022, listing the supported versions and echoing the id (spec: shttp-version-header-400-unsupported)',
    (version) => {
      expect(
        checkPost(incoming(ping, { 'MCP-Protocol-Version': version }), noTools, DEFAULT_LIMITS),
      ).toEqual({
        ok: false,
        status: 400,
        error: {
          jsonrpc: '2.0',
          id: 1,
          error: {
            code: -32022,
            message: `Unsupported protocol version: ${version}`,
            data: { supported: SUPPORTED_VERSIONS, requested: version },
          },
        },
      });
    },
  );

  it('leaves the version to the caller when the header is absent (a session may know it)', () => {
    expect(checkPost(incoming(ping), noTools, DEFAULT_LIMITS)).toMatchObject({
      ok: true,
      era: 'handshake',
      version: undefined,
      batch: false,
    });
  });

  it('passes a handshake-era version on', () => {
    expect(
      checkPost(incoming(ping, { 'MCP-Protocol-Version': '2025-06-18' }), noTools, DEFAULT_LIMITS),
    ).toMatchObject({ ok: true, era: 'handshake', version: '2025-06-18' });
  });
});

describe('which era serves the request (2026-07-28 backward compatibility)', () => {
  it('serves a plain initialize in the handshake era', () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: {} },
    };
    expect(checkPost(incoming(initialize), noTools, DEFAULT_LIMITS)).toMatchObject({
      ok: true,
      era: 'handshake',
    });
  });

  it('serves a request with the 2026 _meta fields per request', () => {
    expect(checkPost(incoming(modernCall, modernHeaders), noTools, DEFAULT_LIMITS)).toMatchObject({
      ok: true,
      era: 'per-request',
      message: { id: 7 },
    });
  });

  it('serves a request per request on the 2026-07-28 header alone, so a missing _meta is the core’s -32602', () => {
    const bare = { jsonrpc: '2.0', id: 2, method: 'server/discover' };
    const headers = { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'server/discover' };
    expect(checkPost(incoming(bare, headers), noTools, DEFAULT_LIMITS)).toMatchObject({
      ok: true,
      era: 'per-request',
    });
  });

  it('accepts a 2026-07-28 notification without request metadata checks', () => {
    const notification = { jsonrpc: '2.0', method: 'notifications/initialized' };
    expect(
      checkPost(
        incoming(notification, { 'MCP-Protocol-Version': '2026-07-28' }),
        noTools,
        DEFAULT_LIMITS,
      ),
    ).toMatchObject({ ok: true, era: 'per-request' });
  });
});

describe('request metadata headers (2026-07-28)', () => {
  const without = (name: string) =>
    Object.fromEntries(Object.entries(modernHeaders).filter(([key]) => key !== name));

  it.each([
    ['MCP-Protocol-Version is missing', without('MCP-Protocol-Version')],
    [
      'MCP-Protocol-Version disagrees with _meta',
      { ...modernHeaders, 'MCP-Protocol-Version': '2025-11-25' },
    ],
    ['Mcp-Method is missing', without('Mcp-Method')],
    ['Mcp-Method disagrees with the body', { ...modernHeaders, 'Mcp-Method': 'tools/list' }],
    ['Mcp-Name is missing', without('Mcp-Name')],
    ['Mcp-Name disagrees with the body', { ...modernHeaders, 'Mcp-Name': 'search_issues' }],
  ])(
    'refuses a request whose %s with 400 and -32020, echoing its id (spec: r2026-version-mismatch-400, r2026-server-rejects-header-body-mismatch, r2026-validation-failure-400-32020)',
    (_case, headers) => {
      expect(checkPost(incoming(modernCall, headers), noTools, DEFAULT_LIMITS)).toMatchObject({
        ok: false,
        status: 400,
        error: { id: 7, error: { code: -32020 } },
      });
    },
  );

  it('checks Mcp-Param-* against the arguments of a tool that marks them with x-mcp-header (spec: r2026-server-validates-param-values, r2026-server-rejects-missing-param)', () => {
    const tools: ToolLookup = {
      findTool: () => ({
        name: 'echo',
        description: 'Echoes its text.',
        inputSchema: {
          type: 'object',
          properties: { text: { type: 'string', 'x-mcp-header': 'Text' } },
        },
      }),
    };
    expect(checkPost(incoming(modernCall, modernHeaders), tools, DEFAULT_LIMITS)).toMatchObject({
      ok: false,
      error: { error: { code: -32020 } },
    });
    expect(
      checkPost(
        incoming(modernCall, { ...modernHeaders, 'Mcp-Param-Text': 'hi' }),
        tools,
        DEFAULT_LIMITS,
      ),
    ).toMatchObject({ ok: true, era: 'per-request' });
  });
});

describe('batches (2025-03-26 only)', () => {
  const batch = [ping, { jsonrpc: '2.0', id: 2, method: 'tools/list' }];

  it.each([undefined, '2025-03-26'])(
    'accepts a batch with version header %s (none means 2025-03-26) (spec: shttp-post-body-message-or-batch, shttp-server-assume-2025-03-26)',
    (version) => {
      const headers: Record<string, string> =
        version === undefined ? {} : { 'MCP-Protocol-Version': version };
      expect(checkPost(incoming(batch, headers), noTools, DEFAULT_LIMITS)).toMatchObject({
        ok: true,
        era: 'handshake',
        batch: true,
        entries: [{ ok: true }, { ok: true }],
      });
    },
  );

  it.each(['2025-06-18', '2025-11-25', '2026-07-28'])(
    'refuses a batch in %s with 400 and -32600 (spec: shttp-post-body-single-message, r2026-body-one-message)',
    (version) => {
      expect(
        checkPost(incoming(batch, { 'MCP-Protocol-Version': version }), noTools, DEFAULT_LIMITS),
      ).toMatchObject({ ok: false, status: 400, error: { id: null, error: { code: -32600 } } });
    },
  );

  it('refuses initialize inside a batch for that entry alone, with -32600 and its id', () => {
    const initialize = { jsonrpc: '2.0', id: 3, method: 'initialize', params: {} };
    expect(checkPost(incoming([initialize, ping]), noTools, DEFAULT_LIMITS)).toMatchObject({
      ok: true,
      batch: true,
      entries: [{ ok: false, error: { id: 3, error: { code: -32600 } } }, { ok: true }],
    });
  });

  it('refuses a batch of 2026-07-28 requests (their revision in _meta, no header) with 400, naming 2026-07-28, not a session', () => {
    const modernPing = { ...ping, params: { _meta: meta } };
    const outcome = checkPost(incoming([modernPing, modernPing]), noTools, DEFAULT_LIMITS);
    expect(outcome).toMatchObject({ ok: false, status: 400, error: { id: null } });
    expect(!outcome.ok && outcome.error.error.code).toBe(-32600);
    expect(!outcome.ok && outcome.error.error.message).toContain('not in 2026-07-28');
  });

  it('refuses a 2025-03-26 batch over maxBatchSize with the maxBatchSize refusal', () => {
    const limits = limitsWith({ maxBatchSize: 2 });
    const refusal = limitRefusal('maxBatchSize', limits);
    expect(checkPost(incoming([ping, ping, ping]), noTools, limits)).toEqual({
      ok: false,
      status: refusal.status,
      error: {
        jsonrpc: '2.0',
        id: null,
        error: { code: refusal.code, message: refusal.message, data: refusal.data },
      },
    });
    expect(checkPost(incoming([ping, ping]), noTools, limits)).toMatchObject({ ok: true });
  });

  it('applies the same batch rule to a version learnt elsewhere (a session’s)', () => {
    expect(checkBatch('2025-03-26')).toBeUndefined();
    expect(checkBatch('2025-11-25')).toMatchObject({
      status: 400,
      error: { error: { code: -32600 } },
    });
  });
});

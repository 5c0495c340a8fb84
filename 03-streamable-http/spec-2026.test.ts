// Revision 2026-07-28's transport rules that no other test sends on the wire:
// each test breaks (or keeps) one rule in a raw request to stage 03 and checks
// the exact answer; the last ones watch the stage 03 client's requests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rawRequest } from '../lab/support/raw-http.ts';
import { listenOnLoopback } from '../shared/cli.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import { mirroredParameters, requestHeaders } from '../shared/http/request-metadata.ts';
import type { JsonObject } from '../shared/protocol/jsonrpc.ts';
import type { Tool } from '../shared/protocol/tools.ts';
import { MetaKey } from '../shared/protocol/versions.ts';
import { StreamableHttpClientTransport } from './client-transport.ts';
import { connectInEra } from './client.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

/** A tool with a string and an integer argument mirrored into `Mcp-Param-*` headers. */
const routed: Tool<never> = {
  name: 'routed',
  description: 'Routes by region and shard.',
  inputSchema: {
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      shard: { type: 'integer', 'x-mcp-header': 'Shard' },
    },
  },
  run: () => Promise.resolve({ content: [{ type: 'text', text: 'routed' }] }),
};

const demo = createDemoTools();
let server: StreamableHttpServer;
beforeAll(async () => {
  server = await createStreamableHttpServer({ port: 0, tools: [...demo.tools, routed] });
});
afterAll(() => server.close());

const META = { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} };
const ACCEPT_BOTH = 'application/json, text/event-stream';

function request(id: number, method: string, params: JsonObject = {}, meta: JsonObject = META) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } };
}

/** The headers of a conforming 2026-07-28 POST for `method` (and `name`). */
function headersFor(method: string, name?: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    Accept: ACCEPT_BOTH,
    'MCP-Protocol-Version': '2026-07-28',
    'Mcp-Method': method,
    ...(name === undefined ? {} : { 'Mcp-Name': name }),
  };
}

function post(body: unknown, headers: Record<string, string>) {
  return fetch(server.url, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function postJson(body: unknown, headers: Record<string, string>) {
  const response = await post(body, headers);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: JSON.parse(text) as JsonObject,
  };
}

describe('security', () => {
  it('answers a 2026-07-28 request from a foreign Origin with 403 and an id-less JSON-RPC error, and runs nothing (spec: r2026-origin-validated, r2026-origin-invalid-403)', async () => {
    const before = demo.stats.searchIssuesStarts;
    const call = request(1, 'tools/call', {
      name: 'search_issues',
      arguments: { query: 'x', pages: 1 },
    });
    const { status, json } = await postJson(call, {
      ...headersFor('tools/call', 'search_issues'),
      Origin: 'http://evil.example',
    });
    expect(status).toBe(403);
    expect(json).toMatchObject({ error: { code: -32600 } });
    // [schema 2026-07-28] An error whose request id cannot be read carries no id at all.
    expect(json).not.toHaveProperty('id');
    expect(demo.stats.searchIssuesStarts).toBe(before);
  });

  it('listens on 127.0.0.1 only, not on every interface (spec: r2026-local-bind-loopback)', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const probe = createServer();
    await listenOnLoopback(probe, 0);
    try {
      expect((probe.address() as AddressInfo).address).toBe('127.0.0.1');
    } finally {
      probe.close();
    }
  });
});

describe('sending messages', () => {
  it('answers in UTF-8: non-ASCII text round-trips, declared and encoded as UTF-8 (spec: r2026-messages-utf8)', async () => {
    const text = 'Grüße, 世界';
    const response = await post(
      request(2, 'tools/call', { name: 'echo', arguments: { text } }),
      headersFor('tools/call', 'echo'),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/charset=utf-8/i);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    expect(JSON.parse(decoded)).toMatchObject({ id: 2, result: { content: [{ text }] } });
  });

  it('accepts a 2026-07-28 notification with 202 and an empty body (spec: r2026-notification-accepted-202)', async () => {
    const response = await post(
      { jsonrpc: '2.0', method: 'notifications/progress', params: { _meta: META } },
      {
        'Content-Type': 'application/json',
        Accept: ACCEPT_BOTH,
        'MCP-Protocol-Version': '2026-07-28',
      },
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('refuses a notification naming a version it does not serve with 400 and an id-less -32022 (spec: r2026-notification-refused-error-status)', async () => {
    const { status, json } = await postJson(
      { jsonrpc: '2.0', method: 'notifications/progress' },
      {
        'Content-Type': 'application/json',
        Accept: ACCEPT_BOTH,
        'MCP-Protocol-Version': '2099-01-01',
      },
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: null, error: { code: -32022 } });
  });

  it('refuses a batch sent as 2026-07-28 with 400 and -32600, answering none of it (spec: r2026-body-one-message)', async () => {
    const { status, json } = await postJson(
      [request(4, 'tools/list'), request(5, 'server/discover')],
      headersFor('tools/list'),
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { code: -32600 } });
    // [schema 2026-07-28] An error whose request id cannot be read carries no id at all.
    expect(json).not.toHaveProperty('id');
  });

  it('answers a request with nothing to stream as one application/json object (spec: r2026-request-json-or-sse)', async () => {
    const { status, headers, json } = await postJson(
      request(6, 'tools/list'),
      headersFor('tools/list'),
    );
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(json).toMatchObject({ id: 6, result: { resultType: 'complete' } });
  });
});

describe('receiving messages', () => {
  it('keeps each response stream to its own request: two calls at once, each stream carries only its progress token and its response (spec: r2026-stream-notifications-related)', async () => {
    const search = (id: number, token: string) =>
      post(
        request(
          id,
          'tools/call',
          { name: 'search_issues', arguments: { query: token, pages: 4, delayMs: 1 } },
          { ...META, progressToken: token },
        ),
        headersFor('tools/call', 'search_issues'),
      );
    const [a, b] = await Promise.all([search(7, 'a'), search(8, 'b')]);
    const [eventsA, eventsB] = await Promise.all([readAll(a), readAll(b)]);
    for (const [events, id, token] of [
      [eventsA, 7, 'a'],
      [eventsB, 8, 'b'],
    ] as const) {
      const messages = events.map((event) => JSON.parse(event.data) as JsonObject);
      const notifications = messages.filter((message) => 'method' in message);
      expect(notifications).toHaveLength(4);
      for (const notification of notifications) {
        expect(notification).toMatchObject({
          method: 'notifications/progress',
          params: { progressToken: token },
        });
      }
      expect(messages.filter((message) => 'id' in message)).toEqual([
        expect.objectContaining({ id }) as unknown,
      ]);
    }
  });
});

describe('custom headers from tool parameters', () => {
  const call = (id: number, args: JsonObject) =>
    request(id, 'tools/call', { name: 'routed', arguments: args });

  it('refuses an Mcp-Param header holding bytes no header value may hold with 400 and -32020, even when they spell the argument in Latin-1 (spec: r2026-server-rejects-invalid-param-chars, r2026-validation-failure-400-32020)', async () => {
    // node:http sends 'é' as the single byte 0xE9: obs-text, not a visible ASCII character.
    const response = await rawRequest(server.url, {
      method: 'POST',
      headers: { ...headersFor('tools/call', 'routed'), 'Mcp-Param-Region': 'caf\u00e9' },
      body: JSON.stringify(call(9, { region: 'caf\u00e9' })),
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ id: 9, error: { code: -32020 } });
  });

  it('compares an integer Mcp-Param as a number: 42.0 matches 42, 43 does not (spec: r2026-integers-compare-numerically)', async () => {
    const headers = { ...headersFor('tools/call', 'routed'), 'Mcp-Param-Shard': '42.0' };
    expect((await post(call(10, { shard: 42 }), headers)).status).toBe(200);
    const { status, json } = await postJson(call(11, { shard: 43 }), headers);
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: 11, error: { code: -32020 } });
  });

  it('refuses a resources/read without Mcp-Name with 400 and -32020 before looking for the method (spec: r2026-server-rejects-header-body-mismatch, r2026-validation-failure-400-32020)', async () => {
    const { status, json } = await postJson(
      request(12, 'resources/read', { uri: 'file:///etc/hosts' }),
      headersFor('resources/read'),
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: 12, error: { code: -32020 } });
  });
});

describe('older clients', () => {
  it('ignores Last-Event-ID on a 2026-07-28 POST: the whole answer, no replay, no event ids (spec: r2026-only-ignores-last-event-id)', async () => {
    const response = await post(
      request(
        13,
        'tools/call',
        { name: 'search_issues', arguments: { query: 'x', pages: 2, delayMs: 1 } },
        { ...META, progressToken: 'p' },
      ),
      { ...headersFor('tools/call', 'search_issues'), 'Last-Event-ID': 'some-stream/1' },
    );
    expect(response.status).toBe(200);
    const events = await readAll(response);
    expect(events.every((event) => event.id === undefined)).toBe(true);
    expect(events.map((event) => (JSON.parse(event.data) as JsonObject).id ?? 'progress')).toEqual([
      'progress',
      'progress',
      13,
    ]);
  });
});

describe('the stage 03 client on the wire', () => {
  it('sends Accept with both types and MCP-Protocol-Version equal to _meta on every POST, drops a listed tool whose x-mcp-header is invalid and warns with its name and reason (spec: r2026-client-accept-both, r2026-version-header-equals-meta, r2026-client-rejects-invalid-x-mcp-header, r2026-client-drops-invalid-tool, r2026-client-warns-invalid-tool)', async () => {
    const seen: Array<{ accept?: string; header?: string; meta: unknown }> = [];
    const scripted = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { id: number; method: string; params?: JsonObject };
        const meta = body.params?._meta as JsonObject | undefined;
        seen.push({
          accept: req.headers.accept,
          header: req.headers['mcp-protocol-version'] as string | undefined,
          meta: meta?.[MetaKey.protocolVersion],
        });
        const result =
          body.method === 'server/discover'
            ? { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: {} }
            : {
                resultType: 'complete',
                tools: [
                  { name: 'good', inputSchema: { type: 'object' } },
                  {
                    name: 'bad',
                    inputSchema: {
                      type: 'object',
                      properties: { a: { type: 'string', 'x-mcp-header': 'Bad Name' } },
                    },
                  },
                ],
              };
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result }));
      });
    });
    const port = await listenOnLoopback(scripted, 0);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const client = await connectInEra(
        new StreamableHttpClientTransport(`http://127.0.0.1:${port}/mcp`),
        '2026-07-28',
      );
      expect((await client.listTools()).map((tool) => tool.name)).toEqual(['good']);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/\bbad\b.*header name token/));
      expect(seen).toHaveLength(2);
      for (const request of seen) {
        expect(request.accept?.split(',').map((type) => type.trim())).toEqual(
          expect.arrayContaining(['application/json', 'text/event-stream']),
        );
        expect(request.header).toBe('2026-07-28');
        expect(request.meta).toBe(request.header);
      }
    } finally {
      warn.mockRestore();
      scripted.closeAllConnections();
      scripted.close();
    }
  });
});

describe('the headers a client builds', () => {
  it('wraps an Mcp-Name that is not plain ASCII in the Base64 sentinel, for a tool name and a resource URI (spec: r2026-mcp-name-base64-when-unsafe)', () => {
    const named = (method: string, params: JsonObject) => ({
      jsonrpc: '2.0' as const,
      id: 1,
      method,
      params,
    });
    const base64 = (value: string) => `=?base64?${Buffer.from(value).toString('base64')}?=`;
    expect(requestHeaders(named('tools/call', { name: 'größe' }), undefined)['Mcp-Name']).toBe(
      base64('größe'),
    );
    expect(
      requestHeaders(named('resources/read', { uri: 'file:///tmp/café.txt' }), undefined)[
        'Mcp-Name'
      ],
    ).toBe(base64('file:///tmp/café.txt'));
    expect(requestHeaders(named('prompts/get', { name: 'plain' }), undefined)['Mcp-Name']).toBe(
      'plain',
    );
  });

  it.each([
    ['empty', ''],
    ['holding CR and LF', 'Region\r\nX-Injected: 1'],
    ['holding a tab', 'Re\tgion'],
  ])(
    'treats an x-mcp-header value that is %s as invalid (spec: r2026-x-mcp-header-not-empty, r2026-x-mcp-header-no-control-chars)',
    (_case, header) => {
      const schema = {
        type: 'object',
        properties: { a: { type: 'string', 'x-mcp-header': header } },
      };
      expect(() => mirroredParameters(schema)).toThrow();
    },
  );
});

async function readAll(response: Response): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) parser.feed(chunk);
  return events.filter((event) => event.data !== '');
}

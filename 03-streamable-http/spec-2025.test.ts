// The MUSTs of Streamable HTTP (revisions 2025-03-26 to 2025-11-25) that no
// other test sends on the wire: each test breaks one rule, or watches the
// server keep it, and names the rule (lab/spec-trace/rules-2025.ts).
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpClient } from '../shared/protocol/mcp-client.ts';
import { StreamableHttpClientTransport } from './client-transport.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

const ACCEPT_BOTH = 'application/json, text/event-stream';
const errors: unknown[] = [];
let server: StreamableHttpServer;

beforeAll(async () => {
  server = await createStreamableHttpServer({
    port: 0,
    retryMs: 50,
    onError: (error) => errors.push(error),
  });
});
afterAll(async () => {
  await server.close();
  expect(errors).toEqual([]);
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(server.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, ...headers },
    body: JSON.stringify(body),
  });
}

const get = (headers: Record<string, string>) =>
  fetch(server.url, { headers: { Accept: 'text/event-stream', ...headers } });

/** Initializes a session on `protocolVersion`; returns the headers every later request needs. */
async function openSession(protocolVersion = '2025-11-25') {
  const response = await post({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'spec', version: '1' } },
  });
  await response.json();
  const headers = {
    'Mcp-Session-Id': response.headers.get('mcp-session-id') ?? '',
    'MCP-Protocol-Version': protocolVersion,
  };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return headers;
}

const search = (id: number, pages: number, delayMs: number, progressToken: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: {
    name: 'search_issues',
    arguments: { query: 'spec', pages, delayMs },
    _meta: { progressToken },
  },
});

/** Reads an SSE body to its end (or until `stopAfter` events), returning every event. */
async function readEvents(response: Response, stopAfter = Infinity): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  while (events.length < stopAfter) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
  await reader.cancel();
  return events;
}

/** The JSON-RPC messages of a stream, priming events left out. */
const messagesOf = (events: EventSourceMessage[]) =>
  events
    .filter((event) => event.data !== '')
    .map((event) => JSON.parse(event.data) as Record<string, unknown>);

/** Whose message it is: the progress token it reports for, or the request id it answers. */
const ownerOf = (message: Record<string, unknown>) =>
  'method' in message
    ? (message.params as { progressToken?: unknown } | undefined)?.progressToken
    : message.id;

describe('Security Warning', () => {
  it.each(['POST', 'GET', 'DELETE'])(
    'answers a %s with a foreign Origin with 403 and a JSON-RPC error (2025-11-25) (spec: shttp-origin-validate, shttp-origin-invalid-403)',
    async (method) => {
      const headers = await openSession();
      const response = await fetch(server.url, {
        method,
        headers: {
          ...headers,
          'Content-Type': 'application/json',
          Accept: method === 'POST' ? ACCEPT_BOTH : 'text/event-stream',
          Origin: 'http://evil.example',
        },
        ...(method === 'POST' ? { body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' } : {}),
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    },
  );
});

describe('Sending Messages to the Server', () => {
  it('accepts a 2025-03-26 batch of only a notification and a response with 202 and no body (spec: shttp-post-202-accepted)', async () => {
    const headers = await openSession('2025-03-26');
    const response = await post(
      [
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 'from-client', result: {} },
      ],
      headers,
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('answers a notification it cannot take (no session, an unsupported version) with 400 and a JSON-RPC error, all revisions (spec: shttp-post-not-accepted-error-status, shttp-session-400-missing)', async () => {
    const notification = { jsonrpc: '2.0', method: 'notifications/initialized' };
    const withoutSession = await post(notification, { 'MCP-Protocol-Version': '2025-11-25' });
    expect(withoutSession.status).toBe(400);
    expect(await withoutSession.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });

    const headers = await openSession();
    const unsupported = await post(notification, {
      ...headers,
      'MCP-Protocol-Version': '1999-01-01',
    });
    expect(unsupported.status).toBe(400);
    expect(await unsupported.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32022 } });
  });
  it.each(['2025-03-26', '2025-06-18', '2025-11-25'])(
    'the stage 03 client takes both a JSON answer and an SSE answer, in %s (spec: shttp-client-accepts-json-and-sse)',
    async (protocolVersion) => {
      const types: string[] = [];
      const recording: typeof fetch = async (url, init) => {
        const response = await fetch(url, init);
        types.push(response.headers.get('content-type')?.split(';')[0] ?? '');
        return response;
      };
      const transport = new StreamableHttpClientTransport(server.url, {}, { fetch: recording });
      const client = new McpClient({
        transport,
        clientInfo: { name: 'spec', version: '1' },
        protocolVersion: protocolVersion as '2025-03-26',
      });
      await client.connect();
      const tools = await client.listTools();
      const progress: number[] = [];
      const result = await client.callTool(
        'search_issues',
        { query: 'spec', pages: 2, delayMs: 1 },
        { onprogress: (p) => progress.push(p.progress) },
      );
      await client.close();
      expect(tools.map((tool) => tool.name)).toContain('search_issues');
      expect([progress, result.structuredContent?.pagesSearched]).toEqual([[1, 2], 2]);
      expect(types).toContain('application/json');
      expect(types).toContain('text/event-stream');
    },
  );
});

describe('SSE polling (2025-11-25)', () => {
  /** Reads a stream's raw text until an event id has arrived; returns the reader, the text and that id. */
  async function readUntilEventId(response: Response) {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!/^id: .+$/m.test(text)) text += (await reader.read()).value ?? '';
    return { reader, text, eventId: /^id: (.+)$/m.exec(text)![1]! };
  }

  /** Reads the rest of a stream's raw text, to the end of its connection. */
  async function readToEnd(reader: ReadableStreamDefaultReader<string>, text: string) {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += value;
    }
  }

  it('sends retry before it closes a POST stream’s connection while the stream goes on (spec: shttp-sse-retry-before-close)', async () => {
    const headers = await openSession();
    const first = await readUntilEventId(await post(search(1, 50, 20, 'p'), headers));
    // A resume attaches a new connection to the stream: the server closes the old one.
    const resumed = await get({ ...headers, 'Last-Event-ID': first.eventId });
    const text = await readToEnd(first.reader, first.text);
    expect(text).toMatch(/^retry: \d+$/m);
    await resumed.body?.cancel();
    await fetch(server.url, { method: 'DELETE', headers }); // stops the tool
  });

  it('sends retry before it closes a GET stream’s connection while the stream goes on (spec: shttp-get-poll-retry)', async () => {
    const headers = await openSession();
    const first = await readUntilEventId(await get(headers));
    // A second GET takes the standalone stream over: the server closes the first connection.
    const second = await get(headers);
    const text = await readToEnd(first.reader, first.text);
    expect(text).toMatch(/^retry: \d+$/m);
    await second.body?.cancel();
  });
});

describe('Listening for Messages from the Server and Multiple Connections', () => {
  it('sends each message on one stream only: the GET stream gets no response, each POST stream only its own request’s messages (spec: shttp-get-no-response, shttp-one-stream-per-message, shttp-no-broadcast)', async () => {
    const headers = await openSession();
    const standalone = await get(headers);
    expect(standalone.headers.get('content-type')).toBe('text/event-stream');
    const listening = readEvents(standalone); // ends when the second GET below takes the stream over

    const [a, b] = await Promise.all([
      post(search(1, 3, 1, 'a'), headers).then((response) => readEvents(response)),
      post(search(2, 2, 1, 'b'), headers).then((response) => readEvents(response)),
    ]);
    expect(messagesOf(a).map(ownerOf)).toEqual(['a', 'a', 'a', 1]);
    expect(messagesOf(b).map(ownerOf)).toEqual(['b', 'b', 2]);

    const takeover = await get(headers);
    expect(messagesOf(await listening)).toEqual([]);
    await takeover.body?.cancel();
  });
});

describe('Resumability and Redelivery', () => {
  it('replays, on a resume, only the disconnected stream, never another stream of the same session (spec: shttp-no-cross-stream-replay)', async () => {
    const headers = await openSession();
    const seen = await readEvents(await post(search(1, 4, 30, 'a'), headers), 2); // priming, progress 1
    const other = messagesOf(await readEvents(await post(search(2, 2, 1, 'b'), headers)));
    expect(other.map(ownerOf)).toEqual(['b', 'b', 2]);

    const resumed = await get({ ...headers, 'Last-Event-ID': seen.at(-1)!.id! });
    expect(resumed.status).toBe(200);
    const rest = messagesOf(await readEvents(resumed));
    expect(rest.map(ownerOf)).toEqual(['a', 'a', 'a', 1]);
  });
});

describe('Session Management', () => {
  it.each(['POST', 'GET', 'DELETE'])(
    'answers a %s naming an ended session with 404 and a JSON-RPC error (spec: shttp-session-404-unknown)',
    async (method) => {
      const headers = await openSession();
      expect((await fetch(server.url, { method: 'DELETE', headers })).status).toBe(204);
      const response = await fetch(server.url, {
        method,
        headers: {
          ...headers,
          'Content-Type': 'application/json',
          Accept: method === 'POST' ? ACCEPT_BOTH : 'text/event-stream',
        },
        ...(method === 'POST' ? { body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' } : {}),
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    },
  );

  it.each(['2025-06-18', '2025-11-25'])(
    'the stage 03 client sends the Mcp-Session-Id it was given on every later request, in %s (spec: shttp-client-send-session-id)',
    async (protocolVersion) => {
      const sent = await recordClientRequests(protocolVersion);
      const [initialize, ...later] = sent;
      expect(initialize).toMatchObject({ method: 'POST', sessionId: null });
      expect(later.map((request) => request.method)).toEqual(['POST', 'POST', 'DELETE']);
      expect(later.every((request) => request.sessionId === sent[0]!.minted)).toBe(true);
    },
  );
});

describe('Protocol Version Header (2025-06-18+)', () => {
  it.each(['GET', 'DELETE'])(
    'answers a %s with an unsupported MCP-Protocol-Version with 400, as it answers a POST (spec: shttp-version-header-400-unsupported)',
    async (method) => {
      const headers = await openSession();
      const response = await fetch(server.url, {
        method,
        headers: { ...headers, Accept: 'text/event-stream', 'MCP-Protocol-Version': '1999-01-01' },
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32022 } });
    },
  );

  it.each(['2025-06-18', '2025-11-25'])(
    'the stage 03 client names the negotiated version in MCP-Protocol-Version on every request after initialize, DELETE included, in %s (spec: shttp-client-version-header, shttp-client-version-negotiated)',
    async (protocolVersion) => {
      const [, ...later] = await recordClientRequests(protocolVersion);
      expect(later.map((request) => [request.method, request.version])).toEqual([
        ['POST', protocolVersion],
        ['POST', protocolVersion],
        ['DELETE', protocolVersion],
      ]);
    },
  );
});

/** One HTTP request the stage 03 client sent, as the wire saw it. */
interface SentRequest {
  method: string;
  sessionId: string | null;
  version: string | null;
  /** The session id the answer assigned, if any. */
  minted: string | null;
}

/**
 * Runs the stage 03 client through a session on `protocolVersion`
 * (initialize, initialized, tools/list, then close: DELETE) and records every request.
 */
async function recordClientRequests(protocolVersion: string): Promise<SentRequest[]> {
  const sent: SentRequest[] = [];
  const recording: typeof fetch = async (url, init) => {
    const response = await fetch(url, init);
    const headers = new Headers(init?.headers);
    sent.push({
      method: init?.method ?? 'GET',
      sessionId: headers.get('mcp-session-id'),
      version: headers.get('mcp-protocol-version'),
      minted: response.headers.get('mcp-session-id'),
    });
    return response;
  };
  const transport = new StreamableHttpClientTransport(server.url, {}, { fetch: recording });
  const client = new McpClient({
    transport,
    clientInfo: { name: 'spec', version: '1' },
    protocolVersion: protocolVersion as '2025-06-18' | '2025-11-25',
  });
  await client.connect();
  expect(client.protocolVersion).toBe(protocolVersion);
  await client.listTools();
  await client.close();
  return sent;
}

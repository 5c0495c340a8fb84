// Stage 03 on the wire, handshake era: every rule of the endpoint and every
// rejection, with sessions and in sessionless mode.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../shared/limits.ts';
import { rawRequest } from '../lab/support/raw-http.ts';
import { parseEventId } from './event-store.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';

const ACCEPT_BOTH = 'application/json, text/event-stream';
const errors: unknown[] = [];
let server: StreamableHttpServer;
const demo = createDemoTools();

beforeAll(async () => {
  server = await createStreamableHttpServer({
    port: 0,
    tools: demo.tools,
    retryMs: 50,
    allowedOrigins: ['http://localhost:5173'],
    onError: (error) => errors.push(error),
  });
});
afterAll(async () => {
  await server.close();
  expect(errors).toEqual([]);
});

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const initialize = (protocolVersion = '2025-11-25', id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'test', version: '1' } },
});

/** Initializes a session; returns the headers every later request needs. */
async function openSession(url = server.url, protocolVersion = '2025-11-25') {
  const response = await post(url, initialize(protocolVersion));
  const sessionId = response.headers.get('mcp-session-id');
  await response.json();
  const headers: Record<string, string> = { 'MCP-Protocol-Version': protocolVersion };
  if (sessionId) headers['Mcp-Session-Id'] = sessionId;
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return { sessionId, headers };
}

const search = (id: number, pages: number, delayMs: number, progressToken?: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: {
    name: 'search_issues',
    arguments: { query: 'stream', pages, delayMs },
    ...(progressToken ? { _meta: { progressToken } } : {}),
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

const messagesOf = (events: EventSourceMessage[]) =>
  events
    .filter((event) => event.data !== '')
    .map((event) => JSON.parse(event.data) as Record<string, unknown>);

describe('POST /mcp', () => {
  it.each([['application/json'], ['text/event-stream'], ['*/*']])(
    'answers Accept: %s (not both types) with 406 (spec: shttp-post-accept-both)',
    async (accept) => {
      const response = await post(server.url, initialize(), { Accept: accept });
      expect(response.status).toBe(406);
    },
  );

  it('answers a body that is not declared JSON with 415', async () => {
    const response = await post(server.url, initialize(), { 'Content-Type': 'text/plain' });
    expect(response.status).toBe(415);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const response = await post(server.url, {
      ...initialize(),
      padding: 'x'.repeat(DEFAULT_LIMITS.maxBodyBytes),
    });
    expect(response.status).toBe(413);
  });

  it('answers malformed JSON with 400 and -32700', async () => {
    const response = await post(server.url, '{"jsonrpc":');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: null, error: { code: -32700 } });
  });

  it('answers initialize with a JSON result and an Mcp-Session-Id of visible ASCII (spec: shttp-session-id-visible-ascii)', async () => {
    const response = await post(server.url, initialize());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('mcp-session-id')).toMatch(/^[\x21-\x7e]{32,}$/);
    expect(await response.json()).toMatchObject({
      id: 1,
      result: { protocolVersion: '2025-11-25' },
    });
  });

  it('mints a different session id for every initialize', async () => {
    const ids = await Promise.all([openSession(), openSession()]);
    expect(ids[0].sessionId).not.toBe(ids[1].sessionId);
  });

  it('answers a request without Mcp-Session-Id with 400 (spec: shttp-session-400-missing)', async () => {
    const response = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(response.status).toBe(400);
  });

  it('answers an unknown session with 404', async () => {
    const response = await post(
      server.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { 'Mcp-Session-Id': 'nope' },
    );
    expect(response.status).toBe(404);
  });

  it('accepts a notification and a response with 202 and no body (spec: shttp-post-202-accepted)', async () => {
    const { headers } = await openSession();
    for (const message of [
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 'x', result: {} },
    ]) {
      const response = await post(server.url, message, headers);
      expect(response.status).toBe(202);
      expect(await response.text()).toBe('');
    }
  });

  it('answers an immediate request with plain JSON (spec: shttp-post-request-json-or-sse)', async () => {
    const { headers } = await openSession();
    const echo = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'hi' } },
    };
    const response = await post(server.url, echo, headers);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ id: 3, result: { content: [{ text: 'hi' }] } });
  });

  it('streams a long-running tool’s answer even without a progressToken, so a drop cannot lose it (spec: shttp-post-request-json-or-sse, shttp-post-sse-includes-response)', async () => {
    const { headers } = await openSession();
    const response = await post(server.url, search(3, 2, 1), headers);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const messages = messagesOf(await readEvents(response));
    expect(messages).toMatchObject([
      { id: 3, result: { structuredContent: { pagesSearched: 2 } } },
    ]);
  });

  it('answers a request with a progressToken with an SSE stream: priming event, progress, the response, the end (spec: shttp-post-request-json-or-sse, shttp-post-sse-priming-event, shttp-post-sse-includes-response, shttp-post-sse-close-after-response, shttp-event-id-names-stream)', async () => {
    const { headers } = await openSession();
    const response = await post(server.url, search(4, 3, 1, 'p'), headers);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const events = await readEvents(response); // resolves only because the server ends the stream
    expect(events[0]).toMatchObject({ data: '', id: expect.stringMatching(/\/0$/) as string });
    expect(messagesOf(events).map((m) => m.method ?? `response ${String(m.id)}`)).toEqual([
      'notifications/progress',
      'notifications/progress',
      'notifications/progress',
      'response 4',
    ]);
    const streamIds = new Set(events.map((event) => parseEventId(event.id!)?.streamId));
    expect(streamIds.size).toBe(1);
  });

  it('sends no priming event to a session on 2025-06-18, whose clients may not expect empty events', async () => {
    const { headers } = await openSession(server.url, '2025-06-18');
    const events = await readEvents(await post(server.url, search(5, 1, 1, 'p'), headers));
    expect(events.every((event) => event.data !== '')).toBe(true);
  });

  it('gives events ids that are unique across the streams of a session (spec: shttp-event-id-unique)', async () => {
    const { headers } = await openSession();
    const [a, b] = await Promise.all([
      post(server.url, search(6, 2, 1, 'a'), headers).then((r) => readEvents(r)),
      post(server.url, search(7, 2, 1, 'b'), headers).then((r) => readEvents(r)),
    ]);
    const ids = [...a, ...b].map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('assumes the negotiated version when MCP-Protocol-Version is missing (spec: shttp-server-assume-2025-03-26)', async () => {
    const { sessionId } = await openSession();
    const response = await post(
      server.url,
      { jsonrpc: '2.0', id: 8, method: 'ping' },
      { 'Mcp-Session-Id': sessionId! },
    );
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 8, result: {} });
  });

  it.each([
    ['unsupported (2025-06-18+: -32022, as on stage 01)', '1999-01-01', -32022],
    ['supported, but not the session’s negotiated one', '2025-06-18', -32600],
  ])(
    'answers a MCP-Protocol-Version that is %s with 400 (spec: shttp-version-header-400-unsupported)',
    async (_case, version, code) => {
      const { sessionId } = await openSession();
      const response = await post(
        server.url,
        { jsonrpc: '2.0', id: 9, method: 'ping' },
        { 'Mcp-Session-Id': sessionId!, 'MCP-Protocol-Version': version },
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code } });
    },
  );

  it('answers a batch in a 2025-03-26 session, and refuses one in a 2025-11-25 session (spec: shttp-post-body-message-or-batch, shttp-post-body-single-message)', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    ];
    const old = await openSession(server.url, '2025-03-26');
    const answered = await post(server.url, batch, old.headers);
    expect(((await answered.json()) as Array<{ id: number }>).map((r) => r.id).sort()).toEqual([
      1, 2,
    ]);
    const current = await openSession();
    expect((await post(server.url, batch, current.headers)).status).toBe(400);
  });

  it('answers a foreign Origin and a foreign Host with 403 (spec: shttp-origin-validate, shttp-origin-invalid-403)', async () => {
    expect((await post(server.url, initialize(), { Origin: 'http://evil.example' })).status).toBe(
      403,
    );
    const rebound = await rawRequest(server.url, {
      method: 'POST',
      headers: { Host: 'evil.example', 'Content-Type': 'application/json', Accept: ACCEPT_BOTH },
      body: JSON.stringify(initialize()),
    });
    expect(rebound.status).toBe(403);
  });
});

describe('the id of a transport error body, by revision', () => {
  it.each(['2025-11-25', '2026-07-28'])(
    '[schema %s] leaves id out when the request’s id cannot be read (malformed JSON, 400)',
    async (version) => {
      const response = await post(server.url, '{"jsonrpc":', { 'MCP-Protocol-Version': version });
      expect(response.status).toBe(400);
      const body = (await response.json()) as object;
      expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
      expect(body).not.toHaveProperty('id');
    },
  );

  it.each(['2025-03-26', '2025-06-18', undefined])(
    '[schema %s] answers id null where the schema requires an id (no header: assumed 2025-03-26)',
    async (version) => {
      const headers: Record<string, string> = version ? { 'MCP-Protocol-Version': version } : {};
      const response = await post(server.url, '{"jsonrpc":', headers);
      expect(await response.json()).toMatchObject({ id: null, error: { code: -32700 } });
    },
  );

  it('[schema 2025-11-25] takes the revision from the session when the header is missing: a GET refused with 406 has no id', async () => {
    const { headers } = await openSession();
    const response = await fetch(server.url, {
      headers: { Accept: 'application/json', 'Mcp-Session-Id': headers['Mcp-Session-Id']! },
    });
    expect(response.status).toBe(406);
    expect(await response.json()).not.toHaveProperty('id');
  });

  it('echoes the request’s id when it can be read: a request to an unknown session gets 404 with its id', async () => {
    const response = await post(
      server.url,
      { jsonrpc: '2.0', id: 41, method: 'tools/list' },
      { 'Mcp-Session-Id': 'no-such-session', 'MCP-Protocol-Version': '2025-11-25' },
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ id: 41, error: { code: -32600 } });
  });
});

describe('cancellation and disconnects', () => {
  it('does not treat a dropped stream as a cancellation: the tool runs to the end (spec: shttp-disconnect-not-cancel)', async () => {
    const { headers } = await openSession();
    const before = { ...demo.stats };
    const response = await post(server.url, search(10, 5, 20, 'p'), headers);
    await readEvents(response, 2); // priming + first progress, then hang up
    await expect
      .poll(() => demo.stats.searchIssuesCompleted)
      .toBe(before.searchIssuesCompleted + 1);
    expect(demo.stats.searchIssuesAborted).toBe(before.searchIssuesAborted);
  });

  it('stops the tool on notifications/cancelled and ends its stream without a response', async () => {
    const { headers } = await openSession();
    const before = { ...demo.stats };
    const response = await post(server.url, search(11, 100, 20, 'p'), headers);
    const reading = readEvents(response);
    await expect.poll(() => demo.stats.searchIssuesStarts).toBe(before.searchIssuesStarts + 1);
    const cancel = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 11, reason: 'test' },
    };
    expect((await post(server.url, cancel, headers)).status).toBe(202);
    const events = await reading;
    expect(messagesOf(events).some((message) => 'result' in message || 'error' in message)).toBe(
      false,
    );
    expect(demo.stats.searchIssuesAborted).toBe(before.searchIssuesAborted + 1);
  });
});

describe('GET /mcp', () => {
  const get = (headers: Record<string, string>) =>
    fetch(server.url, { headers: { Accept: 'text/event-stream', ...headers } });

  it('answers a GET that does not accept text/event-stream with 406 (spec: shttp-get-accept-sse)', async () => {
    const { headers } = await openSession();
    expect((await get({ ...headers, Accept: 'application/json' })).status).toBe(406);
  });

  it('opens the standalone stream, which a second GET takes over (spec: shttp-get-sse-or-405)', async () => {
    const { headers } = await openSession();
    const first = await get(headers);
    expect(first.headers.get('content-type')).toBe('text/event-stream');
    const firstEvents = readEvents(first); // ends when the server closes this connection
    const second = await get(headers);
    expect(second.status).toBe(200);
    expect((await firstEvents)[0]).toMatchObject({ data: '' });
    await second.body?.cancel();
  });

  it('resumes a stream with Last-Event-ID: the rest of that stream, once, and the answer', async () => {
    const { headers } = await openSession();
    const response = await post(server.url, search(12, 4, 30, 'p'), headers);
    const seenFirst = await readEvents(response, 2); // priming and progress 1, then the connection drops
    const resumed = await get({ ...headers, 'Last-Event-ID': seenFirst.at(-1)!.id! });
    const rest = messagesOf(await readEvents(resumed));
    const progress = [...messagesOf(seenFirst), ...rest]
      .filter((message) => message.method === 'notifications/progress')
      .map((message) => (message.params as { progress: number }).progress);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(rest.filter((message) => message.id === 12)).toHaveLength(1);
  });

  it('refuses a Last-Event-ID from another session with 400, replaying nothing (spec: shttp-no-cross-stream-replay)', async () => {
    const victim = await openSession();
    const events = await readEvents(await post(server.url, search(13, 1, 1, 'p'), victim.headers));
    const attacker = await openSession();
    const response = await get({ ...attacker.headers, 'Last-Event-ID': events[0]!.id! });
    expect(response.status).toBe(400);
  });

  it('answers a GET without a session with 405 (2026-07-28 has no GET) and with an unknown one with 404 (spec: shttp-get-sse-or-405)', async () => {
    expect((await get({})).status).toBe(405);
    expect((await get({ 'Mcp-Session-Id': 'nope' })).status).toBe(404);
  });
});

describe('DELETE /mcp', () => {
  it('ends the session: its running tool is aborted and later requests get 404 (spec: shttp-session-404-unknown)', async () => {
    const { headers } = await openSession();
    const before = { ...demo.stats };
    const response = await post(server.url, search(20, 100, 20, 'p'), headers);
    const reading = readEvents(response);
    await expect.poll(() => demo.stats.searchIssuesStarts).toBe(before.searchIssuesStarts + 1);
    const deleted = await fetch(server.url, { method: 'DELETE', headers });
    expect(deleted.status).toBe(204);
    await reading;
    expect(demo.stats.searchIssuesAborted).toBe(before.searchIssuesAborted + 1);
    expect(
      (await post(server.url, { jsonrpc: '2.0', id: 21, method: 'ping' }, headers)).status,
    ).toBe(404);
  });
});

describe('sessionless mode', () => {
  let sessionless: StreamableHttpServer;
  beforeAll(async () => {
    sessionless = await createStreamableHttpServer({ port: 0, sessionless: true });
  });
  afterAll(() => sessionless.close());

  it('mints no session id, and answers every POST on its own', async () => {
    const { sessionId, headers } = await openSession(sessionless.url);
    expect(sessionId).toBeNull();
    const response = await post(
      sessionless.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      headers,
    );
    expect(await response.json()).toMatchObject({
      id: 2,
      result: { tools: [{ name: 'echo' }, { name: 'search_issues' }] },
    });
  });

  it('still streams progress, but with no event ids: nothing could resume them', async () => {
    const events = await readEvents(await post(sessionless.url, search(3, 2, 1, 'p')));
    expect(messagesOf(events)).toHaveLength(3);
    expect(events.every((event) => event.id === undefined)).toBe(true);
  });

  it('answers GET and DELETE with 405 (spec: shttp-get-sse-or-405)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(sessionless.url, {
        method,
        headers: { Accept: 'text/event-stream' },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });
});

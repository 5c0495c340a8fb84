// What a client can make a stage 03 session hold, and the exact answers for
// session-level abuse: each limit of shared/limits.ts refused with its status
// and the JSON-RPC error that names it, a request id reused while its first
// use runs, a Last-Event-ID the stream never sent, a session id the server
// never minted. No clock decides: a gated tool runs until the test opens it.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import type { Limits } from '../shared/limits.ts';
import type { Tool } from '../shared/protocol/tools.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import { InMemoryEventStore } from './event-store.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

const ACCEPT_BOTH = 'application/json, text/event-stream';
const VERSION = '2025-11-25';

/** A tool that runs until the test opens its gate (or the request is cancelled). */
function gatedTool() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const gate = { starts: 0, aborted: 0, open };
  const tool: Tool<Record<string, never>> = {
    name: 'gated',
    description: 'Waits for the test to open its gate.',
    inputSchema: { type: 'object' },
    longRunning: true,
    run: async (_args, { signal, sendProgress }) => {
      gate.starts += 1;
      sendProgress(1);
      await new Promise<void>((resolve) => {
        void opened.then(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      if (signal.aborted) gate.aborted += 1;
      return { content: [{ type: 'text', text: 'through the gate' }] };
    },
  };
  return { tool, gate };
}

let server: StreamableHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(limits: Partial<Limits> = {}, eventStore = new InMemoryEventStore()) {
  const demo = createDemoTools();
  const { tool, gate } = gatedTool();
  server = await createStreamableHttpServer({
    port: 0,
    limits,
    eventStore,
    tools: [...demo.tools, tool] as Array<Tool<never>>,
  });
  return { url: server.url, demo, gate, eventStore };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, ...headers },
    body: JSON.stringify(body),
  });
}

const initialize = (capabilities: object = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: VERSION, capabilities, clientInfo: { name: 'abuse', version: '1' } },
});

/** Opens a session; returns the headers its later requests carry. */
async function openSession(url: string): Promise<Record<string, string>> {
  const response = await post(url, initialize());
  expect(response.status).toBe(200);
  await response.json();
  return {
    'MCP-Protocol-Version': VERSION,
    'Mcp-Session-Id': response.headers.get('mcp-session-id')!,
  };
}

const get = (url: string, headers: Record<string, string>) =>
  fetch(url, { headers: { Accept: 'text/event-stream', ...headers } });

const callGated = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'gated', arguments: {}, _meta: { progressToken: `p${id}` } },
});

/** Reads an SSE body one event at a time, leaving the rest unread. */
function sseReader(response: Response) {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  return {
    /** The next event with data, or `undefined` at the end of the stream. */
    async next(): Promise<EventSourceMessage | undefined> {
      for (;;) {
        const event = events.shift();
        if (event) {
          if (event.data) return event;
          continue; // a priming event
        }
        const { value, done } = await reader.read();
        if (done) return undefined;
        parser.feed(value);
      }
    },
    /** Every event with data until the stream ends. */
    async rest(): Promise<EventSourceMessage[]> {
      const all: EventSourceMessage[] = [];
      for (let event = await this.next(); event; event = await this.next()) all.push(event);
      return all;
    },
    cancel: () => reader.cancel(),
  };
}

/** The JSON-RPC error of a refusal, as a client reads it. */
async function refusal(response: Response) {
  const body = (await response.json()) as {
    id?: unknown;
    error: { code: number; message: string; data?: unknown };
  };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ...body };
}

describe('what initialize makes a session keep', () => {
  it('refuses capabilities and client info larger than maxSessionStateBytes with 400 and -32602 naming the limit, and opens no session', async () => {
    const { url } = await start({ maxSessionStateBytes: 1024 });
    const response = await post(url, initialize({ experimental: { padding: 'x'.repeat(2048) } }));
    expect(response.headers.get('mcp-session-id')).toBeNull();
    expect(await refusal(response)).toMatchObject({
      status: 400,
      id: 1,
      error: { code: -32602, data: { limit: 'maxSessionStateBytes', value: 1024 } },
    });
    expect(server!.sessions).toBe(0);
    // What fits is kept as before.
    expect((await post(url, initialize({ roots: {} }))).status).toBe(200);
  });
});

describe('how many sessions', () => {
  it('refuses the initialize past maxSessionsPerClient with 429, Retry-After and the limit named; a DELETE gives the slot back', async () => {
    const { url } = await start({ maxSessionsPerClient: 2 });
    const first = await openSession(url);
    await openSession(url);
    expect(await refusal(await post(url, initialize()))).toMatchObject({
      status: 429,
      retryAfter: '1',
      error: { code: -32600, data: { limit: 'maxSessionsPerClient', value: 2 } },
    });
    expect(server!.sessions).toBe(2);
    expect((await fetch(url, { method: 'DELETE', headers: first })).status).toBe(204);
    await openSession(url);
  });

  it('refuses the initialize past maxSessions in all with 503 and Retry-After', async () => {
    const { url } = await start({ maxSessions: 1 });
    await openSession(url);
    expect(await refusal(await post(url, initialize()))).toMatchObject({
      status: 503,
      retryAfter: '1',
      error: { code: -32600, data: { limit: 'maxSessions', value: 1 } },
    });
  });
});

describe('how many streams', () => {
  it('refuses a POST whose answer would be a stream past maxStreamsPerSession with 429, before the tool runs', async () => {
    const { url, gate } = await start({ maxStreamsPerSession: 1 });
    const headers = await openSession(url);
    const standalone = await get(url, headers);
    expect(standalone.status).toBe(200);
    expect(await refusal(await post(url, callGated(2), headers))).toMatchObject({
      status: 429,
      id: 2,
      error: { code: -32600, data: { limit: 'maxStreamsPerSession', value: 1 } },
    });
    expect(gate.starts).toBe(0);
    // A request answered with JSON holds no stream: it is served.
    expect((await post(url, { jsonrpc: '2.0', id: 3, method: 'ping' }, headers)).status).toBe(200);
    await standalone.body?.cancel();
  });

  it('refuses a GET stream past maxStreamsPerClient, over all the client’s sessions, with 429', async () => {
    const { url } = await start({ maxStreamsPerClient: 1 });
    const one = await openSession(url);
    const two = await openSession(url);
    const held = await get(url, one);
    expect(held.status).toBe(200);
    expect(await refusal(await get(url, two))).toMatchObject({
      status: 429,
      error: { code: -32600, data: { limit: 'maxStreamsPerClient', value: 1 } },
    });
    await held.body?.cancel();
  });
});

describe('what a session retains', () => {
  it('forgets its oldest finished streams once their events exceed maxRetainedBytesPerSession; a resume from one of them gets 400', async () => {
    const text = 'x'.repeat(40_000);
    const { url, eventStore } = await start({ maxRetainedBytesPerSession: 100_000 });
    const headers = await openSession(url);
    const firstIds: string[] = [];
    for (let call = 0; call < 5; call += 1) {
      const response = await post(
        url,
        {
          jsonrpc: '2.0',
          id: 10 + call,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text }, _meta: { progressToken: call } },
        },
        headers,
      );
      const events = await sseReader(response).rest();
      expect(events).toHaveLength(1); // echo sends its result only
      firstIds.push(events[0]!.id!);
    }
    // Each answer is about 40 KB: two fit in 100,000 bytes, the three oldest are forgotten.
    expect(eventStore.size).toBe(2);
    const resumeFromForgotten = await get(url, { ...headers, 'Last-Event-ID': firstIds[0]! });
    expect(resumeFromForgotten.status).toBe(400);
    expect(await resumeFromForgotten.json()).toMatchObject({ error: { code: -32600 } });
  });
});

describe('a request id reused within the session', () => {
  it('is refused with 400 and -32600 while the first runs, and the first can still be cancelled (spec 2025-11-25 basic/index: "MUST NOT have been previously used")', async () => {
    const { url, gate } = await start();
    const headers = await openSession(url);
    const running = sseReader(await post(url, callGated(7), headers));
    expect(await running.next()).toMatchObject({ event: 'message' }); // its progress: it runs
    const reused = await post(url, { jsonrpc: '2.0', id: 7, method: 'ping' }, headers);
    expect(await refusal(reused)).toMatchObject({ status: 400, id: 7, error: { code: -32600 } });
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } };
    expect((await post(url, cancel, headers)).status).toBe(202);
    expect(await running.rest()).toEqual([]); // cancelled: no answer
    expect(gate).toMatchObject({ starts: 1, aborted: 1 });
  });
});

describe('Last-Event-ID', () => {
  it.each([
    ['a sequence the stream never sent', '/99999'],
    ['an exponent', '/1e1'],
    ['hex', '/0x1'],
    ['a leading zero', '/01'],
    ['a sign', '/+1'],
    ['nothing', '/'],
  ])(
    'naming %s is refused with 400 and a JSON-RPC error, and the live stream stays with its POST',
    async (_what, suffix) => {
      const { url, gate } = await start();
      const headers = await openSession(url);
      const response = await post(url, callGated(3), headers);
      const running = sseReader(response);
      const progress = await running.next();
      const stream = progress!.id!.slice(0, progress!.id!.lastIndexOf('/'));
      const resume = await get(url, { ...headers, 'Last-Event-ID': `${stream}${suffix}` });
      expect(resume.status).toBe(400);
      expect(await resume.json()).toMatchObject({ error: { code: -32600 } });
      gate.open();
      const rest = await running.rest();
      expect(rest.map((event) => JSON.parse(event.data) as { id?: number })).toMatchObject([
        { id: 3, result: { content: [{ text: 'through the gate' }] } },
      ]);
    },
  );

  it('naming a sequence the stream did send resumes it', async () => {
    const { url, gate } = await start();
    const headers = await openSession(url);
    const running = sseReader(await post(url, callGated(4), headers));
    const progress = await running.next();
    // Not awaited before the gate opens: a resume with nothing to replay yet sends no byte, so its
    // headers wait for the next event. Whichever comes first, the result arrives on the resume once.
    const resuming = get(url, { ...headers, 'Last-Event-ID': progress!.id! });
    gate.open();
    const resumed = await resuming;
    expect(resumed.status).toBe(200);
    expect(
      (await sseReader(resumed).rest()).map((event) => JSON.parse(event.data) as unknown),
    ).toMatchObject([{ id: 4, result: {} }]);
    await running.cancel();
    console.timeLog('t');
  });
});

describe('Mcp-Session-Id', () => {
  it.each([
    ['a suffix', (id: string) => `${id}:streams`],
    ['upper case', (id: string) => id.toUpperCase()],
    ['a prefix', (id: string) => `x${id}`],
  ])(
    'not in the form the server mints (%s) gets 404 for POST, GET and DELETE, and the real session lives on',
    async (_what, forge) => {
      const { url } = await start();
      const headers = await openSession(url);
      const forged = { ...headers, 'Mcp-Session-Id': forge(headers['Mcp-Session-Id']!) };
      expect((await post(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, forged)).status).toBe(404);
      expect((await get(url, forged)).status).toBe(404);
      expect((await fetch(url, { method: 'DELETE', headers: forged })).status).toBe(404);
      expect((await post(url, { jsonrpc: '2.0', id: 3, method: 'ping' }, headers)).status).toBe(
        200,
      );
    },
  );
});

// Stage 03, handshake era: what a request that stops before its answer gets
// back, and what stops it, with sessions and in sessionless mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tool } from '../shared/protocol/tools.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

/** A tool that answers with JSON (not long-running) and runs until its signal aborts. */
function waitingTool() {
  const calls = { started: 0, aborted: 0 };
  const tool: Tool<Record<string, never>> = {
    name: 'wait_for_abort',
    description: 'Runs until the request is stopped.',
    inputSchema: { type: 'object' },
    run: (_args, { signal }) =>
      new Promise((_resolve, reject) => {
        calls.started += 1;
        signal.addEventListener(
          'abort',
          () => {
            calls.aborted += 1;
            reject(new Error('stopped'));
          },
          { once: true },
        );
      }),
  };
  return { tool, calls };
}

const callWait = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'wait_for_abort', arguments: {} },
});

function post(url: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

describe('a request answered with JSON that stops before its answer', () => {
  const waiting = waitingTool();
  let server: StreamableHttpServer;
  beforeAll(async () => {
    server = await createStreamableHttpServer({ port: 0, tools: [waiting.tool] });
  });
  afterAll(() => server.close());

  async function openSession(): Promise<Record<string, string>> {
    const init = await post(
      server.url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'test', version: '1' },
        },
      },
      {},
    );
    await init.json();
    return {
      'Mcp-Session-Id': init.headers.get('mcp-session-id')!,
      'MCP-Protocol-Version': '2025-11-25',
    };
  }

  const stops = {
    'notifications/cancelled': (headers: Record<string, string>) =>
      post(
        server.url,
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } },
        headers,
      ),
    'the session ending (DELETE)': (headers: Record<string, string>) =>
      fetch(server.url, { method: 'DELETE', headers }),
  };

  it.each(Object.keys(stops) as Array<keyof typeof stops>)(
    '[spec 2025-11-25] a POST carrying a request MUST be answered with text/event-stream or application/json; stopped by %s, it gets 200 with one of them and no JSON-RPC response (spec: shttp-post-request-json-or-sse)',
    async (stop) => {
      const headers = await openSession();
      const started = waiting.calls.started;
      const answer = post(server.url, callWait(2), headers);
      await expect.poll(() => waiting.calls.started).toBe(started + 1);
      await (await stops[stop](headers)).body?.cancel();
      const response = await answer;
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(
        /^(application\/json|text\/event-stream)\b/,
      );
      expect(await response.text()).not.toMatch(/"jsonrpc"/);
    },
  );
});

describe('sessionless mode: a client that disconnects', () => {
  const waiting = waitingTool();
  let server: StreamableHttpServer;
  beforeAll(async () => {
    server = await createStreamableHttpServer({
      port: 0,
      sessionless: true,
      tools: [waiting.tool],
    });
  });
  afterAll(() => server.close());

  const bodies = {
    'a single request (2025-11-25)': { version: '2025-11-25', body: callWait(7) },
    'a batch (2025-03-26)': { version: '2025-03-26', body: [callWait(8)] },
  };

  it.each(Object.keys(bodies) as Array<keyof typeof bodies>)(
    'stops %s: deliberately not [spec 2025-11-25] "Disconnection SHOULD NOT be interpreted as the client cancelling its request", since with no session and no event ids nothing could ever deliver its result (spec: shttp-disconnect-not-cancel)',
    async (kind) => {
      const { version, body } = bodies[kind];
      const { started, aborted } = waiting.calls;
      const connection = new AbortController();
      const answer = post(server.url, body, { 'MCP-Protocol-Version': version }, connection.signal);
      await expect.poll(() => waiting.calls.started).toBe(started + 1);
      connection.abort();
      await answer.catch(() => {});
      await expect.poll(() => waiting.calls.aborted).toBe(aborted + 1);
    },
  );
});

describe('with a session: a client that disconnects from an answer nothing can resume', () => {
  const waiting = waitingTool();
  let server: StreamableHttpServer;
  beforeAll(async () => {
    server = await createStreamableHttpServer({ port: 0, tools: [waiting.tool] });
  });
  afterAll(() => server.close());

  async function openSession(version: string): Promise<Record<string, string>> {
    const init = await post(
      server.url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: version,
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      },
      {},
    );
    await init.json();
    return {
      'Mcp-Session-Id': init.headers.get('mcp-session-id')!,
      'MCP-Protocol-Version': version,
    };
  }

  const bodies = {
    'a request answered with JSON (2025-11-25)': { version: '2025-11-25', body: callWait(17) },
    'a batch (2025-03-26)': { version: '2025-03-26', body: [callWait(18)] },
  };

  it.each(Object.keys(bodies) as Array<keyof typeof bodies>)(
    'stops %s: a JSON answer carries no event id, so once its connection is gone no resume can deliver it (spec: shttp-disconnect-not-cancel)',
    async (kind) => {
      const { version, body } = bodies[kind];
      const headers = await openSession(version);
      const { started, aborted } = waiting.calls;
      const connection = new AbortController();
      const answer = post(server.url, body, headers, connection.signal);
      await expect.poll(() => waiting.calls.started).toBe(started + 1);
      connection.abort();
      await answer.catch(() => {});
      await expect.poll(() => waiting.calls.aborted).toBe(aborted + 1);
    },
  );
});

// Stage 02 on the wire: the stream's first bytes, keep-alives, every rejection,
// and a session that lives exactly as long as its stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../lab/support/raw-http.ts';
import { createHttpSseServer, type HttpSseServer } from './server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';

let server: HttpSseServer;
const demo = createDemoTools();
const errors: unknown[] = [];

beforeAll(async () => {
  server = await createHttpSseServer({
    port: 0,
    tools: demo.tools,
    keepAliveMs: 50,
    allowedOrigins: ['http://localhost:5173'],
    onError: (error) => errors.push(error),
  });
});
afterAll(async () => {
  await server.close();
  expect(errors).toEqual([]);
});

/** Opens GET /sse and reads the raw text as it arrives. */
async function openStream(headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(server.url, {
    headers: { Accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const readUntil = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const match = pattern.exec(text);
      if (match) return match;
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
      text += value;
    }
  };
  return { response, readUntil, close: () => abort.abort(), text: () => text };
}

function postMessage(
  sessionId: string | undefined,
  body: string,
  headers: Record<string, string> = {},
) {
  const url = new URL('/message', server.url);
  if (sessionId !== undefined) url.searchParams.set('sessionId', sessionId);
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
}

const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

describe('GET /sse', () => {
  it('opens a text/event-stream whose first event is the endpoint with an unguessable session id (spec: sse-two-endpoints, sse-endpoint-event)', async () => {
    const stream = await openStream();
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream');
    const [, sessionId] = await stream.readUntil(
      /^event: endpoint\ndata: \/message\?sessionId=([0-9a-f-]{36})\n\n/,
    );
    expect(sessionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    stream.close();
  });

  it('writes comment lines as keep-alives while the stream is idle', async () => {
    const stream = await openStream();
    await stream.readUntil(/\n\n: keep-alive\n\n: keep-alive\n\n/);
    stream.close();
  });

  it('answers a foreign Origin with 403 (spec: sse-origin-validated)', async () => {
    const response = await fetch(server.url, { headers: { Origin: 'http://evil.example' } });
    expect(response.status).toBe(403);
  });

  it('answers a Host that is not a loopback name with 403 (DNS rebinding)', async () => {
    const { status } = await rawRequest(server.url, { headers: { Host: 'evil.example' } });
    expect(status).toBe(403);
  });

  it('answers POST /sse with 405 and Allow: GET', async () => {
    const response = await fetch(server.url, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });
});

describe('POST /message', () => {
  it('accepts a message with 202 and an empty body, and answers it on the stream (spec: sse-two-endpoints)', async () => {
    const stream = await openStream();
    const [, sessionId] = await stream.readUntil(/sessionId=(\S+)\n/);
    const response = await postMessage(sessionId, ping);
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    await stream.readUntil(/event: message\ndata: \{"jsonrpc":"2.0","id":1,"result":\{\}\}\n\n/);
    stream.close();
  });

  it('answers a missing sessionId with 400', async () => {
    const response = await postMessage(undefined, ping);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('answers an unknown session with 404', async () => {
    const response = await postMessage('not-a-session', ping);
    expect(response.status).toBe(404);
  });

  it('answers malformed JSON with 400 and the JSON-RPC parse error, not on the stream', async () => {
    const stream = await openStream();
    const [, sessionId] = await stream.readUntil(/sessionId=(\S+)\n/);
    const response = await postMessage(sessionId, '{"jsonrpc":');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: null, error: { code: -32700 } });
    stream.close();
  });

  it('answers a batch with 400: 2024-11-05 has none', async () => {
    const stream = await openStream();
    const [, sessionId] = await stream.readUntil(/sessionId=(\S+)\n/);
    const response = await postMessage(sessionId, `[${ping}]`);
    expect(response.status).toBe(400);
    stream.close();
  });

  it('answers a body that is not JSON with 415', async () => {
    const stream = await openStream();
    const [, sessionId] = await stream.readUntil(/sessionId=(\S+)\n/);
    const response = await postMessage(sessionId, ping, { 'Content-Type': 'text/plain' });
    expect(response.status).toBe(415);
    stream.close();
  });

  it('answers a foreign Origin with 403 (spec: sse-origin-validated)', async () => {
    const stream = await openStream();
    const [, sessionId] = await stream.readUntil(/sessionId=(\S+)\n/);
    const response = await postMessage(sessionId, ping, { Origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    stream.close();
  });
});

describe('the session lives as long as its stream', () => {
  it('closing the stream ends the session and aborts its running tool', async () => {
    const stream = await openStream();
    const [, sessionId] = await stream.readUntil(/sessionId=(\S+)\n/);
    const { searchIssuesAborted } = demo.stats;
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: {
        name: 'search_issues',
        arguments: { query: 'x', pages: 100, delayMs: 20 },
        _meta: { progressToken: 2 },
      },
    };
    expect((await postMessage(sessionId, JSON.stringify(call))).status).toBe(202);
    await stream.readUntil(/notifications\/progress/);
    stream.close();
    await expect.poll(() => demo.stats.searchIssuesAborted).toBe(searchIssuesAborted + 1);
    expect((await postMessage(sessionId, ping)).status).toBe(404);
  });
});

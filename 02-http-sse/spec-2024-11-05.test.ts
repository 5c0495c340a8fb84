// The MUSTs and SHOULDs of "HTTP with SSE" (revision 2024-11-05) that stage 02's
// other tests do not prove on the wire: each violation sent as raw HTTP, with the
// exact status and JSON-RPC error that come back; the course's client seen through
// a recording proxy; and the server's one listening interface.
// Read next: ../docs/spec-trace.md, the table these tags feed.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../lab/support/raw-http.ts';
import { startRecordingProxy } from '../lab/trace/recording-proxy.ts';
import { McpClient } from '../shared/protocol/mcp-client.ts';
import { SseClientTransport } from './client-transport.ts';
import { createHttpSseServer, type HttpSseServer } from './server.ts';

let server: HttpSseServer;
const errors: unknown[] = [];

beforeAll(async () => {
  server = await createHttpSseServer({
    port: 0,
    allowedOrigins: ['http://localhost:5173'],
    onError: (error) => errors.push(error),
  });
});
afterAll(async () => {
  await server.close();
  expect(errors).toEqual([]);
});

const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

/** The body of every transport rejection: an id-less JSON-RPC "invalid request". */
const rejection = (message: string) => ({
  jsonrpc: '2.0',
  id: null,
  error: { code: -32600, message },
});

/** Opens GET /sse and reads it as text; `endpoint` is the URI of the `endpoint` event. */
async function openStream() {
  const abort = new AbortController();
  const response = await fetch(server.url, {
    headers: { Accept: 'text/event-stream' },
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const readUntil = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
      text += value;
    }
  };
  await readUntil(/^event: endpoint\ndata: (\S+)\n\n/);
  const path = /^event: endpoint\ndata: (\S+)\n\n/.exec(text)![1]!;
  return {
    endpoint: new URL(path, server.url).href,
    readUntil,
    text: () => text,
    close: () => abort.abort(),
  };
}

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return rawRequest(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
}

describe('the Origin of every connection is checked', () => {
  it('answers GET /sse from a foreign Origin with 403 and an invalid-request error, opening no stream (spec: sse-origin-validated)', async () => {
    const response = await rawRequest(server.url, {
      headers: { Accept: 'text/event-stream', Origin: 'http://evil.example' },
    });
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toBe('application/json');
    // A JSON body read to its end: the answer was a rejection, not an event stream.
    expect(JSON.parse(response.body)).toEqual(rejection('Origin not allowed: http://evil.example'));
  });

  it('answers a POST from a foreign Origin with 403 and an invalid-request error, and never runs its message (spec: sse-origin-validated)', async () => {
    const stream = await openStream();
    const response = await post(stream.endpoint, ping(1), { Origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toEqual(rejection('Origin not allowed: http://evil.example'));
    // The next message's answer arrives; the rejected one's never came before it.
    expect((await post(stream.endpoint, ping(2))).status).toBe(202);
    await stream.readUntil(/"id":2/);
    expect(stream.text()).not.toContain('"id":1');
    stream.close();
  });

  it('opens the stream for an allowed Origin and for the server’s own (spec: sse-origin-validated)', async () => {
    const origin = new URL(server.url).origin;
    for (const allowed of ['http://localhost:5173', origin]) {
      const abort = new AbortController();
      const response = await fetch(server.url, {
        headers: { Origin: allowed },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      abort.abort();
    }
  });
});

describe('client messages go only as POSTs to the endpoint the stream announced', () => {
  it('answers a message POSTed to the SSE endpoint with 405, Allow: GET and an invalid-request error (spec: sse-client-posts-to-endpoint)', async () => {
    const response = await post(server.url, ping(1));
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
    expect(JSON.parse(response.body)).toEqual(
      rejection('Method not allowed: open the stream with GET'),
    );
  });

  it('answers GET on the message endpoint with 405, Allow: POST and an invalid-request error (spec: sse-client-posts-to-endpoint)', async () => {
    const stream = await openStream();
    const response = await rawRequest(stream.endpoint);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(JSON.parse(response.body)).toEqual(
      rejection('Method not allowed: send messages with POST'),
    );
    stream.close();
  });

  it('answers a POST to the message path without the announced sessionId with 400 and an invalid-request error (spec: sse-client-posts-to-endpoint)', async () => {
    const response = await post(new URL('/message', server.url).href, ping(1));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual(
      rejection('Bad Request: the sessionId query parameter is required'),
    );
  });

  it('answers a POST to an endpoint no stream announced with 404 and an invalid-request error (spec: sse-client-posts-to-endpoint)', async () => {
    const url = new URL('/message', server.url);
    url.searchParams.set('sessionId', 'never-announced');
    const response = await post(url.href, ping(1));
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual(
      rejection('Not Found: no such session on this server'),
    );
  });

  it('the course’s client opens one GET stream and sends every message as a POST to the endpoint event’s URI (spec: sse-client-posts-to-endpoint)', async () => {
    const proxy = await startRecordingProxy(new URL(server.url).origin);
    const transport = new SseClientTransport(`${proxy.url}/sse`);
    await transport.start();
    const client = new McpClient({
      transport,
      clientInfo: { name: 'spec-2024-11-05', version: '1.0.0' },
      protocolVersion: '2024-11-05',
    });
    try {
      await client.connect();
      await client.listTools();
    } finally {
      await client.close();
      await proxy.settled();
      await proxy.close();
    }
    const [stream, ...messages] = proxy.exchanges;
    expect(`${stream?.method} ${stream?.path}`).toBe('GET /sse');
    const announced = stream?.stream.find((item) => item.kind === 'event');
    expect(announced).toMatchObject({ event: 'endpoint' });
    const uri = announced?.kind === 'event' ? announced.data : '';
    expect(uri).toMatch(/^\/message\?sessionId=/);
    // initialize, notifications/initialized, tools/list: every one on the announced URI.
    expect(messages.map((exchange) => `${exchange.method} ${exchange.path}`)).toEqual([
      `POST ${uri}`,
      `POST ${uri}`,
      `POST ${uri}`,
    ]);
  });
});

/** An IPv4 address of this machine other than loopback, if it has one. */
const otherAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

describe('a server run locally listens on loopback only', () => {
  it.skipIf(otherAddress === undefined)(
    'refuses a connection to its port on this machine’s other address (spec: sse-local-binds-loopback)',
    async () => {
      const { port } = new URL(server.url);
      const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
        const socket = connect({ host: otherAddress!, port: Number(port) });
        socket.on('connect', () => {
          socket.destroy();
          reject(new Error(`connected to ${otherAddress}:${port}`));
        });
        socket.on('error', resolve);
      });
      expect(error.code).toBe('ECONNREFUSED');
    },
  );
});

// Stage 03 against hostile requests, found by probing it from outside: each
// gets its exact answer before either era runs (a status and a JSON-RPC error
// saying why); none is a 5xx, a hang or a bug report, and HEAD touches no
// session or stream.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitRefusal } from '../shared/limits.ts';
import { MAX_HEADERS } from '../shared/http/loopback-server.ts';
import { MetaKey } from '../shared/protocol/versions.ts';
import { rawExchange, rawRequest } from '../lab/support/raw-http.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

const ACCEPT_BOTH = 'application/json, text/event-stream';
let server: StreamableHttpServer;
let port: number;
const errors: unknown[] = [];

beforeAll(async () => {
  server = await createStreamableHttpServer({ port: 0, onError: (error) => errors.push(error) });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.close();
  // Hostile input is answered, never reported as a server bug.
  expect(errors).toEqual([]);
});

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await rawRequest(server.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, ...headers },
    body,
  });
  const json = response.body === '' ? undefined : (JSON.parse(response.body) as unknown);
  return { ...response, json };
}

/** Initializes a 2025-11-25 session; returns the headers every later request needs. */
async function openSession(): Promise<Record<string, string>> {
  const { headers } = await post(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'hostile', version: '1' },
      },
    }),
  );
  const session = {
    'Mcp-Session-Id': String(headers['mcp-session-id']),
    'MCP-Protocol-Version': '2025-11-25',
  };
  await post('{"jsonrpc":"2.0","method":"notifications/initialized"}', session);
  return session;
}

const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
const modernMeta = { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} };

describe('nesting depth (maxJsonDepth)', () => {
  const refusal = limitRefusal('maxJsonDepth', DEFAULT_LIMITS);

  it('answers arguments nested 100,000 levels deep in a session with 400 and the maxJsonDepth refusal, not a 200 with -32603', async () => {
    const session = await openSession();
    const body = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":${nested(100_000)}}}`;
    const { status, json } = await post(body, session);
    expect(status).toBe(400);
    expect(json).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32602, message: refusal.message, data: refusal.data },
    });
  });

  it('answers the same in revision 2026-07-28, where it was a 500', async () => {
    const meta = JSON.stringify(modernMeta);
    const body = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","_meta":${meta},"arguments":${nested(100_000)}}}`;
    const { status, json } = await post(body, {
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'tools/call',
      'Mcp-Name': 'echo',
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: 3, error: { code: -32602, data: refusal.data } });
  });
});

describe('before the body is read', () => {
  it.each(['gzip', 'bogus'])(
    'answers Content-Encoding: %s with 415, naming the encoding',
    async (encoding) => {
      const { status, json } = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
        'Content-Encoding': encoding,
      });
      expect(status).toBe(415);
      expect(json).toMatchObject({
        error: {
          code: -32600,
          message: expect.stringContaining(`Content-Encoding ${encoding}`) as unknown,
        },
      });
    },
  );

  it('answers a declared Content-Length of 1 GiB with 413 and Connection: close, without its body', async () => {
    const response = await rawExchange(
      port,
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
        `Accept: ${ACCEPT_BOTH}\r\nContent-Length: 1073741824\r\n\r\n{"jsonrpc":`,
    );
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(JSON.parse(response.body)).toMatchObject({
      error: { data: limitRefusal('maxBodyBytes', DEFAULT_LIMITS).data },
    });
  });
});

describe('ids and batches', () => {
  it('answers the id 9007199254740993 with 400 and -32600, instead of answering id ...992', async () => {
    const session = await openSession();
    const { status, json } = await post(
      '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}',
      session,
    );
    expect(status).toBe(400);
    // 2025-11-25 leaves out an id that could not be read (errors.ts), rather than send null.
    expect(json).toMatchObject({ error: { code: -32600 } });
    expect(json).not.toHaveProperty('id');
  });

  it('answers a 2025-03-26 batch over maxBatchSize with 400 and the maxBatchSize refusal', async () => {
    const batch = Array.from({ length: DEFAULT_LIMITS.maxBatchSize + 1 }, (_, id) => ({
      jsonrpc: '2.0',
      id,
      method: 'ping',
    }));
    const { status, json } = await post(JSON.stringify(batch), {
      'MCP-Protocol-Version': '2025-03-26',
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({
      id: null,
      error: { code: -32600, data: limitRefusal('maxBatchSize', DEFAULT_LIMITS).data },
    });
  });

  it('answers a batch of 2026-07-28 requests with 400 naming 2026-07-28, not asking for Mcp-Session-Id', async () => {
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: modernMeta } };
    const { status, json } = await post(JSON.stringify([ping, { ...ping, id: 2 }]));
    expect(status).toBe(400);
    expect(json).toMatchObject({
      error: { code: -32600, message: expect.stringContaining('not in 2026-07-28') as unknown },
    });
  });
});

describe('HEAD', () => {
  it('answers HEAD /mcp at once with 405 and Allow, without looking for a session', async () => {
    const { status, headers } = await rawRequest(server.url, {
      method: 'HEAD',
      headers: { 'Mcp-Session-Id': 'no-such-session' },
    });
    expect(status).toBe(405);
    expect(headers.allow).toBe('GET, POST, DELETE');
  });

  it("leaves a session's GET stream open: HEAD does not take it over", async () => {
    const session = await openSession();
    let getEnded = false;
    const opened = new Promise<void>((resolve, reject) => {
      const get = request(server.url, {
        headers: { ...session, Accept: 'text/event-stream' },
        agent: false,
      });
      get.on('response', (res) => {
        res.on('data', () => {}).on('end', () => (getEnded = true));
        resolve();
      });
      get.on('error', reject).end();
    });
    await opened;
    const { status } = await rawRequest(server.url, { method: 'HEAD', headers: session });
    expect(status).toBe(405);
    // A full round trip on the session after the HEAD: taking the stream over ended the GET's
    // response before the HEAD was even answered, so its end would have arrived by now.
    const { status: pingStatus } = await post('{"jsonrpc":"2.0","id":9,"method":"ping"}', session);
    expect(pingStatus).toBe(200);
    expect(getEnded).toBe(false);
    await rawRequest(server.url, { method: 'DELETE', headers: session });
  });
});

describe('more headers than Node keeps', () => {
  it(`answers a POST with ${MAX_HEADERS + 100} headers and then a foreign Origin with 431`, async () => {
    const many = Array.from(
      { length: MAX_HEADERS + 100 },
      (_, index) => `X-Filler-${index}: 1\r\n`,
    );
    const body = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const response = await rawExchange(
      port,
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
        `Accept: ${ACCEPT_BOTH}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n` +
        `${many.join('')}Origin: http://evil.example\r\n\r\n${body}`,
    );
    expect(response.status).toBe(431);
    expect(JSON.parse(response.body)).toMatchObject({ id: null, error: { code: -32600 } });
  });
});

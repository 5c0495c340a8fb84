// Stage 01 against hostile requests, found by probing it from outside: each
// gets its exact answer (a status and a JSON-RPC error saying why) before the
// protocol runs; none is a 5xx, a hang or a bug report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitRefusal } from '../shared/limits.ts';
import { MAX_HEADERS } from '../shared/http/loopback-server.ts';
import { MetaKey } from '../shared/protocol/versions.ts';
import { rawExchange, rawRequest } from '../lab/support/raw-http.ts';
import { createPlainHttpServer, type PlainHttpServer } from './server.ts';

let server: PlainHttpServer;
let port: number;
const errors: unknown[] = [];

beforeAll(async () => {
  server = await createPlainHttpServer({ port: 0, onError: (error) => errors.push(error) });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.close();
  // Hostile input is answered, never reported as a server bug.
  expect(errors).toEqual([]);
});

const JSON_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
};

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await rawRequest(server.url, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body,
  });
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
}

/** `levels` objects nested inside one another, as JSON text. */
const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
const modernMeta = { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} };

describe('nesting depth (maxJsonDepth)', () => {
  const refusal = limitRefusal('maxJsonDepth', DEFAULT_LIMITS);

  it('answers arguments nested 100,000 levels deep with 400 and the maxJsonDepth refusal, not -32603', async () => {
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":${nested(100_000)}}}`;
    const { status, json } = await post(body);
    expect(status).toBe(400);
    expect(json).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32602, message: refusal.message, data: refusal.data },
    });
  });

  it('answers the same in revision 2026-07-28, where it was a 500', async () => {
    const meta = JSON.stringify(modernMeta);
    const body = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","_meta":${meta},"arguments":${nested(100_000)}}}`;
    const { status, json } = await post(body, {
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'tools/call',
      'Mcp-Name': 'echo',
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: 2, error: { code: -32602, data: refusal.data } });
  });
});

describe('Content-Encoding (identity only)', () => {
  it.each(['gzip', 'bogus'])(
    'answers Content-Encoding: %s with 415, naming the encoding',
    async (encoding) => {
      const { status, json } = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
        'Content-Encoding': encoding,
      });
      expect(status).toBe(415);
      expect(json).toMatchObject({
        id: null,
        error: {
          code: -32600,
          message: `Unsupported Media Type: Content-Encoding ${encoding} is not supported; send the body uncompressed`,
        },
      });
    },
  );

  it('accepts Content-Encoding: identity', async () => {
    const { status } = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      'Content-Encoding': 'identity',
    });
    expect(status).toBe(200);
  });

  it('answers a charset other than UTF-8 with 415', async () => {
    const { status, json } = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      'Content-Type': 'application/json; charset=latin1',
    });
    expect(status).toBe(415);
    expect(json).toMatchObject({ error: { message: expect.stringContaining('UTF-8') as unknown } });
  });
});

describe('bodies over maxBodyBytes: 413 decided before the body is read', () => {
  const refusal = limitRefusal('maxBodyBytes', DEFAULT_LIMITS);
  const head = (framing: string) =>
    `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
    `Accept: application/json, text/event-stream\r\n${framing}\r\n\r\n`;

  it('answers a declared Content-Length of 1 GiB with 413 and Connection: close, having received a few bytes of it', async () => {
    // The body never comes: a server that waits for it to end never answers.
    const response = await rawExchange(port, `${head('Content-Length: 1073741824')}{"jsonrpc":`);
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(JSON.parse(response.body)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: refusal.code, message: refusal.message, data: refusal.data },
    });
  });

  it('cuts a chunked body with 413 where it crosses the limit, its end never sent', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const chunks = Array.from(
      { length: DEFAULT_LIMITS.maxBodyBytes / chunk.length + 1 },
      () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`,
    ).join('');
    const response = await rawExchange(port, `${head('Transfer-Encoding: chunked')}${chunks}`);
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(JSON.parse(response.body)).toMatchObject({ error: { data: refusal.data } });
  });
});

describe('integer ids beyond the safe range', () => {
  it('answers the id 9007199254740993 with 400 and -32600, id null, instead of answering id ...992', async () => {
    const { status, json } = await post('{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}');
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: null, error: { code: -32600 } });
  });
});

describe('batches', () => {
  const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });

  it('answers a 2025-03-26 batch over maxBatchSize with 400 and the maxBatchSize refusal', async () => {
    const size = DEFAULT_LIMITS.maxBatchSize + 1;
    const batch = Array.from({ length: size }, (_, index) => ping(index));
    const { status, json } = await post(JSON.stringify(batch));
    const refusal = limitRefusal('maxBatchSize', DEFAULT_LIMITS);
    expect(status).toBe(400);
    expect(json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: refusal.message, data: refusal.data },
    });
  });

  it('answers a batch of 2026-07-28 requests with 400, naming 2026-07-28 as the revision without batches', async () => {
    const modernPing = { ...ping(1), params: { _meta: modernMeta } };
    const { status, json } = await post(JSON.stringify([modernPing, modernPing]));
    expect(status).toBe(400);
    expect(json).toMatchObject({
      error: { code: -32600, message: expect.stringContaining('not in 2026-07-28') as unknown },
    });
  });
});

describe('HEAD', () => {
  it('answers HEAD /mcp at once with 405 and Allow: POST', async () => {
    const { status, headers } = await rawRequest(server.url, { method: 'HEAD' });
    expect(status).toBe(405);
    expect(headers.allow).toBe('POST');
  });
});

describe('more headers than Node keeps', () => {
  it(`answers a request with ${MAX_HEADERS + 100} headers and then a foreign Origin with 431, not as if the Origin were absent`, async () => {
    const many = Array.from(
      { length: MAX_HEADERS + 100 },
      (_, index) => `X-Filler-${index}: 1\r\n`,
    );
    const body = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const response = await rawExchange(
      port,
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n` +
        `Connection: close\r\n${many.join('')}Origin: http://evil.example\r\n\r\n${body}`,
    );
    expect(response.status).toBe(431);
    expect(JSON.parse(response.body)).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it(`still serves a request with ${MAX_HEADERS - 10} headers`, async () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_HEADERS - 10 }, (_, index) => [`X-Filler-${index}`, '1']),
    );
    const { status } = await post('{"jsonrpc":"2.0","id":1,"method":"ping"}', many);
    expect(status).toBe(200);
  });
});

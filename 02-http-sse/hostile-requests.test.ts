// Stage 02 against hostile requests, found by probing it from outside: the
// same answers as the other stages wherever a rule is shared (POST /message
// reads its body as every POST does), and a HEAD that opens no session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitRefusal } from '../shared/limits.ts';
import { MAX_HEADERS } from '../shared/http/loopback-server.ts';
import { rawExchange, rawRequest } from '../lab/support/raw-http.ts';
import { createHttpSseServer, type HttpSseServer } from './server.ts';

let server: HttpSseServer;
let port: number;
let messageUrl: string;
let closeStream: () => void;
const errors: unknown[] = [];

beforeAll(async () => {
  server = await createHttpSseServer({ port: 0, onError: (error) => errors.push(error) });
  port = Number(new URL(server.url).port);
  // One session for every POST below: its stream stays open until the end.
  const abort = new AbortController();
  closeStream = () => abort.abort();
  const response = await fetch(server.url, {
    headers: { Accept: 'text/event-stream' },
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let match: RegExpExecArray | null;
  while (!(match = /data: (\/message\?sessionId=\S+)/.exec(text))) {
    text += (await reader.read()).value ?? '';
  }
  messageUrl = new URL(match[1]!, server.url).href;
});
afterAll(async () => {
  closeStream();
  await server.close();
  // Hostile input is answered, never reported as a server bug.
  expect(errors).toEqual([]);
});

async function postMessage(body: string, headers: Record<string, string> = {}) {
  const response = await rawRequest(messageUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
}

const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

describe('POST /message', () => {
  it('answers arguments nested 100,000 levels deep with 400 and the maxJsonDepth refusal, instead of a 202 and an internal error on the stream', async () => {
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":${nested(100_000)}}}`;
    const { status, json } = await postMessage(body);
    const refusal = limitRefusal('maxJsonDepth', DEFAULT_LIMITS);
    expect(status).toBe(400);
    expect(json).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32602, message: refusal.message, data: refusal.data },
    });
  });

  it.each(['gzip', 'bogus'])(
    'answers Content-Encoding: %s with 415, naming the encoding',
    async (encoding) => {
      const { status, json } = await postMessage('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
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
    const { pathname, search } = new URL(messageUrl);
    const response = await rawExchange(
      port,
      `POST ${pathname}${search} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{"jsonrpc":`,
    );
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(JSON.parse(response.body)).toMatchObject({
      error: { data: limitRefusal('maxBodyBytes', DEFAULT_LIMITS).data },
    });
  });

  it('answers the id 9007199254740993 with 400 and -32600, instead of answering id ...992 on the stream', async () => {
    const { status, json } = await postMessage(
      '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}',
    );
    expect(status).toBe(400);
    expect(json).toMatchObject({ id: null, error: { code: -32600 } });
  });
});

describe('HEAD', () => {
  it('answers HEAD /sse at once with 405 and Allow: GET, and opens no session', async () => {
    const before = server.sessions;
    const { status, headers } = await rawRequest(server.url, { method: 'HEAD' });
    expect(status).toBe(405);
    expect(headers.allow).toBe('GET');
    expect(server.sessions).toBe(before);
  });

  it('answers HEAD /message with 405 and Allow: POST', async () => {
    const { status, headers } = await rawRequest(messageUrl, { method: 'HEAD' });
    expect(status).toBe(405);
    expect(headers.allow).toBe('POST');
  });
});

describe('more headers than Node keeps', () => {
  it(`answers GET /sse with ${MAX_HEADERS + 100} headers and then a foreign Origin with 431, opening no stream`, async () => {
    const many = Array.from(
      { length: MAX_HEADERS + 100 },
      (_, index) => `X-Filler-${index}: 1\r\n`,
    );
    const response = await rawExchange(
      port,
      `GET /sse HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n` +
        `Connection: close\r\n${many.join('')}Origin: http://evil.example\r\n\r\n`,
    );
    expect(response.status).toBe(431);
    expect(JSON.parse(response.body)).toMatchObject({ id: null, error: { code: -32600 } });
  });
});

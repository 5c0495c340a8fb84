// Stage 03 on Redis, given bad input while Redis is up: every answer a 4xx
// that says why, never the retryable 503 that only an outage may give; a
// session id the server never minted reaches no Redis key; the session limits
// hold per instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRedis } from '../../lab/support/redis.fixture.ts';
import { startRedisServer, type RedisServer } from '../../lab/deploy/redis-server.ts';
import { connectRedis, isUnreachable, type RedisConnection } from './redis-connection.ts';
import { createScaleOutServer, type ScaleOutServer } from './server.ts';
import { ClientOfflineError, ErrorReply } from '@redis/client';

const ACCEPT_BOTH = 'application/json, text/event-stream';
const VERSION = '2025-11-25';

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const initialize = (capabilities: unknown = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: VERSION, capabilities, clientInfo: { name: 'abuse', version: '1' } },
});

/** `{"a":{"a":…{}}}`, `depth` levels deep, written as text: no recursion needed to make it. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;

describe('isUnreachable', () => {
  it('calls only a lost connection an outage: not an error Redis replied with, nor a serialisation error', () => {
    expect(isUnreachable(new ClientOfflineError())).toBe(true);
    expect(isUnreachable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnreachable(new ErrorReply('WRONGTYPE Operation against a key'))).toBe(false);
    expect(isUnreachable(new RangeError('Maximum call stack size exceeded'))).toBe(false);
    expect(isUnreachable(new TypeError('Converting circular structure to JSON'))).toBe(false);
  });
});

describeWithRedis('stage 03 on Redis, bad input while Redis is up', () => {
  let redis: RedisServer;
  let raw: RedisConnection;
  let server: ScaleOutServer;
  const errors: unknown[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = await connectRedis(redis.url, () => {});
    server = await createScaleOutServer({
      port: 0,
      redisUrl: redis.url,
      limits: { maxSessionsPerClient: 3, maxSessionStateBytes: 4096 },
      onError: (error) => errors.push(error),
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    raw?.destroy();
    await redis?.stop();
  });

  async function openSession(): Promise<Record<string, string>> {
    const response = await post(server.url, initialize());
    expect(response.status).toBe(200);
    await response.json();
    return {
      'MCP-Protocol-Version': VERSION,
      'Mcp-Session-Id': response.headers.get('mcp-session-id')!,
    };
  }
  const sessionKeys = () => raw.keys('mcp:session:*');

  it('refuses capabilities over maxSessionStateBytes with 400 and -32602 before Redis is asked, never a 503', async () => {
    const before = (await sessionKeys()).length;
    const response = await post(server.url, initialize({ padding: 'x'.repeat(8192) }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      id: 1,
      error: { code: -32602, data: { limit: 'maxSessionStateBytes', value: 4096 } },
    });
    expect((await sessionKeys()).length).toBe(before);
  });

  it('answers capabilities nested 5,000 levels deep with a 4xx, never a retryable 503', async () => {
    const body = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"${VERSION}","capabilities":${nested(5000)},"clientInfo":{"name":"deep","version":"1"}}}`;
    const response = await post(server.url, body);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toMatchObject({ error: { code: expect.any(Number) as unknown } });
    expect(errors).toEqual([]);
  });

  it('answers 404 to a session id the server never minted, `<real id>:streams`, and a DELETE with it leaves the real session and its streams alone', async () => {
    const headers = await openSession();
    const real = headers['Mcp-Session-Id']!;
    // A streamed answer records a stream in the session's list (`mcp:session:<id>:streams`).
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'hi' }, _meta: { progressToken: 1 } },
    };
    const streamed = await post(server.url, call, headers);
    expect(streamed.headers.get('content-type')).toMatch(/text\/event-stream/);
    await streamed.text();
    expect(await raw.hLen(`mcp:session:${real}:streams`)).toBe(1);

    const forged = { ...headers, 'Mcp-Session-Id': `${real}:streams` };
    expect((await post(server.url, { jsonrpc: '2.0', id: 3, method: 'ping' }, forged)).status).toBe(
      404,
    );
    expect((await fetch(server.url, { method: 'DELETE', headers: forged })).status).toBe(404);
    expect(await raw.hLen(`mcp:session:${real}:streams`)).toBe(1);
    expect(
      (await post(server.url, { jsonrpc: '2.0', id: 4, method: 'ping' }, headers)).status,
    ).toBe(200);
    await fetch(server.url, { method: 'DELETE', headers });
  });

  it('refuses a Last-Event-ID the stream never sent, or not in canonical decimal, with 400', async () => {
    const headers = await openSession();
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'hi' }, _meta: { progressToken: 1 } },
    };
    const text = await (await post(server.url, call, headers)).text();
    const lastId = /^id: (.+)$/m.exec(text)![1]!;
    const stream = lastId.slice(0, lastId.lastIndexOf('/'));
    for (const suffix of ['/99999', '/1e1', '/0x1', '/01']) {
      const resume = await fetch(server.url, {
        headers: { Accept: 'text/event-stream', ...headers, 'Last-Event-ID': `${stream}${suffix}` },
      });
      expect(resume.status, suffix).toBe(400);
      expect(await resume.json()).toMatchObject({ error: { code: -32600 } });
    }
    await fetch(server.url, { method: 'DELETE', headers });
  });

  it('refuses the initialize past maxSessionsPerClient on this instance with 429; a DELETE gives the slot back', async () => {
    const opened = [await openSession(), await openSession(), await openSession()];
    const refused = await post(server.url, initialize());
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({
      error: { code: -32600, data: { limit: 'maxSessionsPerClient', value: 3 } },
    });
    expect((await fetch(server.url, { method: 'DELETE', headers: opened[0] })).status).toBe(204);
    await openSession();
  });
});

// Fuzzing stage 01 (plain HTTP, POST /mcp): generated hostile POSTs (bodies and
// headers), then every method on every path, against one server for the file.
// Each answer is held to oracle.ts's rules; onError must stay silent; a
// well-formed initialize and a 2026 tools/list must still succeed afterwards.
// Replay a failure with the seed and path fast-check prints:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run lab/fuzz/stage-01.test.ts -t '<test name>'
// FUZZ_RUNS=<n> changes how many requests each property sends.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlainHttpServer, type PlainHttpServer } from '../../01-plain-http/server.ts';
import { hostileRequest, type World } from './hostile.ts';
import {
  BugLog,
  FUZZ_TEST_TIMEOUT_MS,
  fuzzParameters,
  initializeRequest,
  probe,
  toolsList2026,
} from './oracle.ts';

const bugs = new BugLog();
let server: PlainHttpServer;
let world: World;

beforeAll(async () => {
  server = await createPlainHttpServer({ port: 0, onError: bugs.record });
  world = { origin: new URL(server.url).origin, sessions: [], issued: new Map() };
});
afterAll(() => server.close());

describe('stage 01 under hostile requests', () => {
  it(
    'every hostile POST to stage 01 gets a JSON-RPC answer (2xx) or a JSON-RPC error (4xx), never a 5xx, a hang or a call to onError',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          hostileRequest({ methods: ['POST'], paths: ['/mcp'] }),
          async (request) => {
            await probe(world, request, bugs, { answersInline: true });
          },
        ),
        fuzzParameters(200),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it(
    'every method on every path of stage 01 gets a JSON-RPC answer or error, never a 5xx or a hang',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          hostileRequest({
            methods: ['GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'PATCH', 'PURGE'],
            paths: [
              '/mcp',
              '/mcp/',
              '/MCP',
              '/mcp?x=1',
              '//mcp',
              '/%6Dcp',
              '/mcp;x',
              '/',
              '/sse',
              '/message',
              `/${'a'.repeat(3_000)}`,
            ],
          }),
          async (request) => {
            await probe(world, request, bugs, { answersInline: true });
          },
        ),
        fuzzParameters(100),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it('still answers a well-formed initialize and a 2026 tools/list after the hostile requests, and never called onError', async () => {
    const initialized = await fetch(server.url, initializeRequest(1));
    expect(initialized.status).toBe(200);
    expect(await initialized.json()).toMatchObject({
      id: 1,
      result: { protocolVersion: '2025-11-25' },
    });
    const listed = await fetch(server.url, toolsList2026(2));
    expect(listed.status).toBe(200);
    const tools = ((await listed.json()) as { result?: { tools?: unknown } }).result?.tools;
    expect(Array.isArray(tools)).toBe(true);
    bugs.expectNoneSince(0);
  });
});

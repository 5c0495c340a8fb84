// Fuzzing stage 02 (HTTP+SSE): hostile POSTs to /message (with real session ids,
// mangled ones and garbage), hostile GETs of /sse, and every method on every
// path, against one server for the file. Two sessions stay open throughout;
// whatever their streams carry must be JSON-RPC answering ids that were posted.
// Each answer is held to oracle.ts's rules; onError must stay silent; a new
// session must still work afterwards.
// Replay a failure with the seed and path fast-check prints:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run lab/fuzz/stage-02.test.ts -t '<test name>'
// FUZZ_RUNS=<n> changes how many requests each property sends.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpSseServer, type HttpSseServer } from '../../02-http-sse/server.ts';
import { isPlainObject, type RequestId } from '../../shared/protocol/jsonrpc.ts';
import { hostileRequest, type World } from './hostile.ts';
import {
  BugLog,
  FUZZ_TEST_TIMEOUT_MS,
  bodyInfo,
  fuzzParameters,
  initializeRequest,
  probe,
} from './oracle.ts';
import { openSseSession, type OpenSseSession } from './sse-session.ts';

const bugs = new BugLog();
/** The ids of the well-formed requests posted: the only ids an answer on a stream may carry. */
const posted = new Set<RequestId>();
let server: HttpSseServer;
let sessions: OpenSseSession[];
let world: World;

beforeAll(async () => {
  server = await createHttpSseServer({ port: 0, onError: bugs.record });
  sessions = [await openSseSession(server.url), await openSseSession(server.url)];
  world = {
    origin: new URL(server.url).origin,
    sessions: sessions.map((session) => session.id),
    issued: new Map(),
  };
});
afterAll(async () => {
  for (const session of sessions) session.close();
  await server.close();
});

describe('stage 02 under hostile requests', () => {
  it(
    'every hostile POST to /message gets 202 or a JSON-RPC error (4xx), never a 5xx, a hang or a call to onError',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          hostileRequest({
            methods: ['POST'],
            paths: [
              '/message?sessionId=',
              '/message?sessionId=',
              '/message',
              '/message?sessionid=',
              '/message?x=1&sessionId=',
              '/message?sessionId[]=',
            ],
            sessionInQuery: true,
          }),
          async (request) => {
            const { resolved } = await probe(world, request, bugs, { answersInline: false });
            for (const id of bodyInfo(resolved).ids) posted.add(id);
          },
        ),
        fuzzParameters(200),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it(
    'every hostile GET /sse opens a stream whose first event names the POST endpoint, or gets a JSON-RPC error (4xx)',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          hostileRequest({
            methods: ['GET'],
            paths: ['/sse', '/sse?x=1', '/SSE', '/sse/'],
            lastEventId: true,
          }),
          async (request) => {
            await probe(
              world,
              request,
              bugs,
              { answersInline: false, endpointEvent: true },
              'first-event',
            );
          },
        ),
        fuzzParameters(80),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it(
    'every method on every path of stage 02 gets an answer or a JSON-RPC error, never a 5xx or a hang',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          hostileRequest({
            methods: ['GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'PATCH', 'PURGE'],
            paths: [
              '/sse',
              '/message?sessionId=',
              '/message',
              '/mcp',
              '/',
              '/SSE/',
              `/${'a'.repeat(3_000)}`,
            ],
            sessionInQuery: true,
          }),
          async (request) => {
            const read = request.method === 'GET' ? 'first-event' : 'to-end';
            const { resolved } = await probe(
              world,
              request,
              bugs,
              { answersInline: false, endpointEvent: true },
              read,
            );
            for (const id of bodyInfo(resolved).ids) posted.add(id);
          },
        ),
        fuzzParameters(100),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it('the open sessions carried only JSON-RPC messages, each answer echoing an id that was posted, and still answer a ping', async () => {
    for (const [index, session] of sessions.entries()) {
      const id = `ping-after-fuzz-${index}`;
      posted.add(id);
      const sent = await fetch(`${world.origin}/message?sessionId=${session.id}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }),
      });
      expect(sent.status).toBe(202);
      await session.next((event) => event.data.includes(id));
      for (const event of session.events.filter((e) => e.event === 'message')) {
        const message = JSON.parse(event.data) as unknown;
        expect(isPlainObject(message) && message.jsonrpc === '2.0', event.data).toBe(true);
        const answer = message as Record<string, unknown>;
        if ('method' in answer) continue; // progress
        expect(
          posted.has(answer.id as RequestId),
          `an answer on the stream for id ${JSON.stringify(answer.id)}, which nobody posted`,
        ).toBe(true);
      }
    }
  });

  it('still serves a new session after the hostile requests, and never called onError', async () => {
    const session = await openSseSession(server.url);
    try {
      const sent = await fetch(
        `${world.origin}/message?sessionId=${session.id}`,
        initializeRequest(1),
      );
      expect(sent.status).toBe(202);
      const answer = await session.next((event) => event.event === 'message');
      expect(JSON.parse(answer.data)).toMatchObject({
        id: 1,
        result: { protocolVersion: '2025-11-25' },
      });
    } finally {
      session.close();
    }
    bugs.expectNoneSince(0);
  });
});

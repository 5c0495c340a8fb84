// Each stage's client against the other stage's server, in revision 2026-07-28:
// stage 01 says it is a valid Streamable HTTP endpoint from 2025-03-26 to
// 2026-07-28, so the stage 03 client must work against it, and the stage 01
// client must work against stage 03, which may answer a call with an SSE stream.
// A stage may not import another stage, so the crossing lives here, in the lab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlainHttpClient } from '../../01-plain-http/client.ts';
import { createPlainHttpServer, type PlainHttpServer } from '../../01-plain-http/server.ts';
import { runStreamableHttpClient } from '../../03-streamable-http/client.ts';
import {
  createStreamableHttpServer,
  type StreamableHttpServer,
} from '../../03-streamable-http/server.ts';

const SEARCH = { query: 'stream', pages: 3, delayMs: 1 };

describe('clients across stages in revision 2026-07-28', () => {
  let stage01: PlainHttpServer;
  let stage03: StreamableHttpServer;
  beforeAll(async () => {
    [stage01, stage03] = await Promise.all([
      createPlainHttpServer({ port: 0 }),
      createStreamableHttpServer({ port: 0 }),
    ]);
  });
  afterAll(() => Promise.all([stage01.close(), stage03.close()]));

  it('the stage 01 client speaks 2026-07-28 to the stage 03 server, reading the call answered on an SSE stream (Streamable HTTP 2026-07-28: the client MUST support both application/json and text/event-stream) (spec: r2026-client-reads-json-and-sse)', async () => {
    const run = await runPlainHttpClient({
      url: stage03.url,
      protocolVersion: '2026-07-28',
      ...SEARCH,
    });
    expect(run.protocolVersion).toBe('2026-07-28');
    expect(run.tools).toEqual(['echo', 'search_issues']);
    expect(run.resultText).toMatch(/^Found/);
    // The stream carried what a plain JSON answer cannot: one progress notification per page.
    expect(run.progressReceived).toBe(SEARCH.pages);
    // tools/list and tools/call: no handshake, and no session on the stage 03 server.
    expect(run.requests).toBe(2);
    expect(stage03.sessions).toBe(0);
  });

  it('the stage 03 client speaks 2026-07-28 to the stage 01 server without falling back to initialize (Streamable HTTP 2026-07-28, Backward Compatibility: a modern server answers the modern request)', async () => {
    const run = await runStreamableHttpClient({
      url: stage01.url,
      protocolVersion: '2026-07-28',
      ...SEARCH,
    });
    expect(run.failure).toBeUndefined();
    expect(run.protocolVersion).toBe('2026-07-28');
    expect(run.sessionId).toBeUndefined();
    expect(run.tools).toEqual(['echo', 'search_issues']);
    expect(run.resultText).toMatch(/^Found/);
    // Stage 01 has no way to send progress before the result: the call is answered as JSON.
    expect(run.progress).toEqual([]);
  });
});

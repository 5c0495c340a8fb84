// The stage 03 client against servers built with the official SDKs in the
// handshake era (revision 2025-11-25): stateful SDK v1 and v2 servers (a session per
// initialize, an event store), where a cut stream is resumed with Last-Event-ID and
// the tool runs once. (The SDK v2 server in revision 2026-07-28: interop-2026.test.ts.)
import { afterAll, describe, expect, it } from 'vitest';
import { runStreamableHttpClient } from './client.ts';
import {
  openSdkV1Session,
  openSdkV2Session,
  startSdkServer,
  type SdkServer,
  type SdkSession,
  type SessionOptions,
} from '../lab/support/sdk-servers.fixture.ts';

const SEARCH = { query: 'stream', pages: 5, delayMs: 20 };

/** The same three tests against either SDK's server. */
function describeAgainstSdkServer(
  sdk: string,
  openSession: (state: SdkServer, options: SessionOptions) => Promise<SdkSession>,
): void {
  describe(`the stage 03 client against the ${sdk}`, () => {
    const servers: SdkServer[] = [];
    const start = async (options?: { retryInterval?: number }): Promise<SdkServer> => {
      const server = await startSdkServer(openSession, options);
      servers.push(server);
      return server;
    };
    afterAll(() => Promise.all(servers.map((server) => server.close())));

    it('initializes on 2025-11-25, lists the tools, receives every progress event and the result, and its DELETE ends the SDK session (spec: shttp-post-accept-both, shttp-client-send-session-id, shttp-client-delete-session)', async () => {
      const server = await start();
      const run = await runStreamableHttpClient({ url: server.url, ...SEARCH });
      expect(run.failure).toBeUndefined();
      expect(run.protocolVersion).toBe('2025-11-25');
      expect(run.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(run.tools).toEqual(['search_issues', 'echo']);
      expect(run.progress.map(({ progress, total }) => [progress, total])).toEqual([
        [1, 5],
        [2, 5],
        [3, 5],
        [4, 5],
        [5, 5],
      ]);
      expect(run.resultText).toBe('searched 5 page(s) for "stream"');
      expect(run.resumes).toEqual([]);
      expect(server.starts).toBe(1);
      expect(server.sessions.size).toBe(0);
    });

    it('resumes after a cut: GET with Last-Event-ID replays the progress sent while disconnected, the rest arrives live, and the tool runs once (spec: shttp-client-resume-with-get, shttp-client-resume-after-any-disconnect, shttp-get-accept-sse)', async () => {
      // retry: 150 ms in the SDK's priming event; the tool takes 8 × 80 ms, so the client is away
      // while pages 3 and 4 are reported, and back before the result.
      const server = await start({ retryInterval: 150 });
      const run = await runStreamableHttpClient({
        url: server.url,
        query: 'stream',
        pages: 8,
        delayMs: 80,
        dropAfter: 2,
      });
      expect(run.failure).toBeUndefined();
      expect(run.progress.map(({ progress }) => progress)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(run.resultText).toBe('searched 8 page(s) for "stream"');
      expect(run.resumes).toHaveLength(1);
      expect(server.resumes.map(({ lastEventId }) => lastEventId)).toEqual([
        run.resumes[0]!.lastEventId,
      ]);
      const resumedAt = server.resumes[0]!.at;
      // Sent while no connection was attached: stored by the SDK, replayed on the GET.
      expect(server.progressSentAt.filter((at) => at < resumedAt).length).toBeGreaterThan(2);
      // The result came after the resume: written live to the resumed connection.
      expect(server.finishedAt).toBeGreaterThan(resumedAt);
      expect(server.starts).toBe(1);
      expect(server.sessions.size).toBe(0);
    });

    it('resumes after the tool finished: the result stored while the client was disconnected is replayed on GET with Last-Event-ID', async () => {
      const server = await start({ retryInterval: 200 });
      const run = await runStreamableHttpClient({
        url: server.url,
        query: 'stream',
        pages: 3,
        delayMs: 20,
        dropAfter: 2,
      });
      expect(run.failure).toBeUndefined();
      expect(run.progress.map(({ progress }) => progress)).toEqual([1, 2, 3]);
      expect(run.resultText).toBe('searched 3 page(s) for "stream"');
      expect(run.resumes).toHaveLength(1);
      // The tool had returned before the client came back: only the event store had the result.
      expect(server.finishedAt).toBeLessThan(server.resumes[0]!.at);
      expect(server.starts).toBe(1);
      expect(server.sessions.size).toBe(0);
    });
  });
}

describeAgainstSdkServer(
  'SDK v1 server (@modelcontextprotocol/sdk 1.32: McpServer + StreamableHTTPServerTransport)',
  openSdkV1Session,
);
describeAgainstSdkServer(
  'SDK v2 server (@modelcontextprotocol/server 2.4: McpServer + WebStandardStreamableHTTPServerTransport)',
  openSdkV2Session,
);

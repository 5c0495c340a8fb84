// One resumable stream on a real HTTP connection: when a polling server may cut it.
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../shared/cli.ts';
import { InMemoryEventStore } from './event-store.ts';
import { ResumableStream } from './stream.ts';

/** An event store that cannot be reached for its first event (the priming event), then can. */
class FirstStoreFails extends InMemoryEventStore {
  #calls = 0;
  override storeEvent(...args: Parameters<InMemoryEventStore['storeEvent']>) {
    this.#calls += 1;
    if (this.#calls === 1) return Promise.reject(new Error('store unreachable'));
    return super.storeEvent(...args);
  }
}

describe('SSE polling', () => {
  it('[spec 2025-11-25] the server MAY close the connection only after it sent an event with an id: a poll that falls due before any id went out waits for the first one', async () => {
    const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: {} } as const;
    const server = createServer((_req, res) => {
      const stream = new ResumableStream({
        eventStore: new FirstStoreFails(),
        priming: true,
        retryMs: 5,
        pollAfterMs: 1,
        keepAliveMs: 60_000,
        retentionMs: 60_000,
      });
      void (async () => {
        await stream.open(res); // the priming event goes out without an id: the store failed
        // Scheduled after the poll's 1 ms timer, so the poll has fallen due when this resumes.
        await sleep(2);
        await stream.send(progress);
        await stream.close();
      })();
    });
    const port = await listenOnLoopback(server, 0);
    try {
      const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      // The progress event, with its id, then the retry and the cut (close() sends nothing more).
      expect(body).toMatch(/id: [^\n]+\n(retry: \d+\n)?data: \{"jsonrpc"[^\n]+\n\n(retry: 5\n\n)$/);
    } finally {
      server.close();
    }
  });
});

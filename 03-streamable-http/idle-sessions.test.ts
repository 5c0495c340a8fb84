import { afterEach, describe, expect, it, vi } from 'vitest';
import { HandshakeState } from '../shared/protocol/handshake-state.ts';
import { createStreamableHttpServer } from './server.ts';
import { InMemorySessionStore, type Session } from './sessions.ts';
import type { ResumableStream } from './stream.ts';

// The clock is vitest's: only `Date` and the store's sweeping interval are
// faked, so time passes when the test says so and never otherwise, while
// sockets and the tools' own timers stay real.
const fakeClock = () => vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
afterEach(() => {
  vi.useRealTimers();
});

const IDLE_MS = 60_000;

/** A stream a client is reading right now, as far as the store can tell. */
const connectedStream = (id: string) =>
  ({ id, connected: true, close: () => Promise.resolve() }) as unknown as ResumableStream;

async function storeWithSession(): Promise<{ store: InMemorySessionStore; session: Session }> {
  const store = new InMemorySessionStore(IDLE_MS);
  const session = await store.create(new HandshakeState('2025-11-25'));
  return { store, session };
}

describe('the in-memory session store', () => {
  it('ends a session that has been idle longer than the idle timeout', async () => {
    fakeClock();
    const { store, session } = await storeWithSession();
    vi.advanceTimersByTime(IDLE_MS);
    expect(await store.get(session.id)).toBe(session);
    vi.advanceTimersByTime(2 * IDLE_MS);
    expect(await store.get(session.id)).toBeUndefined();
    expect(store.size).toBe(0);
    await store.clear('test over');
  });

  it('keeps a session whose requests keep coming: each request renews its idle time', async () => {
    fakeClock();
    const { store, session } = await storeWithSession();
    for (let minute = 0; minute < 5; minute++) {
      vi.advanceTimersByTime(IDLE_MS / 2);
      expect(await store.get(session.id)).toBe(session);
    }
    await store.clear('test over');
  });

  it('does not end an idle session while one of its requests is still running', async () => {
    fakeClock();
    const { store, session } = await storeWithSession();
    const finished = session.handshake.inFlight.track(1, new AbortController());
    vi.advanceTimersByTime(3 * IDLE_MS);
    expect(store.size).toBe(1);
    finished?.();
    vi.advanceTimersByTime(IDLE_MS);
    expect(store.size).toBe(0);
    await store.clear('test over');
  });

  it('does not end an idle session while a client is connected to one of its streams', async () => {
    fakeClock();
    const { store, session } = await storeWithSession();
    session.streams.set('standalone', connectedStream('standalone'));
    vi.advanceTimersByTime(3 * IDLE_MS);
    expect(store.size).toBe(1);
    await store.clear('test over');
  });
});

describe('stage 03 with sessionIdleTimeoutMs', () => {
  const ACCEPT = 'application/json, text/event-stream';

  it('answers 404 for the id of a session that sat idle, and keeps the one with an open GET stream (spec: shttp-session-404-unknown)', async () => {
    fakeClock();
    const server = await createStreamableHttpServer({ port: 0, sessionIdleTimeoutMs: IDLE_MS });
    const post = (body: object, headers: Record<string, string> = {}) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: ACCEPT, ...headers },
        body: JSON.stringify(body),
      });
    const openSession = async () => {
      const response = await post({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'test', version: '1' },
        },
      });
      await response.json();
      const headers = {
        'Mcp-Session-Id': response.headers.get('mcp-session-id') ?? '',
        'MCP-Protocol-Version': '2025-11-25',
      };
      await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
      return headers;
    };
    const ping = (headers: Record<string, string>) =>
      post({ jsonrpc: '2.0', id: 2, method: 'ping' }, headers);

    try {
      const idle = await openSession();
      const listening = await openSession();
      // The GET stream's headers have arrived: the server holds it open for this client.
      const stream = await fetch(server.url, {
        headers: { Accept: 'text/event-stream', ...listening },
      });
      expect(stream.status).toBe(200);

      vi.advanceTimersByTime(3 * IDLE_MS);

      expect(server.sessions).toBe(1);
      expect((await ping(idle)).status).toBe(404);
      expect((await ping(listening)).status).toBe(200);
      await stream.body?.cancel();
    } finally {
      await server.close();
    }
  });
});

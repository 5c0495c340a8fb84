// The Redis session store on its own: two stores on one private redis-server
// play two instances. Sessions expire unless requests renew them; a session
// created on one instance is found on the other; a cancellation or a DELETE
// sent to one reaches work running on the other.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HandshakeState } from '../../shared/protocol/handshake-state.ts';
import { describeWithRedis } from '../../lab/support/redis.fixture.ts';
import { startRedisServer, type RedisServer } from '../../lab/deploy/redis-server.ts';
import { connectRedis, type RedisConnection } from './redis-connection.ts';
import { openRedisState, type RedisState } from './redis-sessions.ts';

const IDLE_TIMEOUT_MS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` gives a value: a state Redis must reach, bounded only against a hang. */
async function until<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(10)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error('Redis never reached the state the test waits for');
}

describeWithRedis('RedisSessionStore, two instances on one Redis', () => {
  let redis: RedisServer;
  let a: RedisState;
  let b: RedisState;
  let raw: RedisConnection;
  beforeAll(async () => {
    redis = await startRedisServer();
    raw = await connectRedis(redis.url, () => {});
    const open = () =>
      openRedisState(redis.url, {
        idleTimeoutMs: IDLE_TIMEOUT_MS,
        retentionMs: 60_000,
        keepAliveMs: 15_000,
        onError: () => {},
      });
    [a, b] = await Promise.all([open(), open()]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    raw?.destroy();
    await redis?.stop();
  });

  it('finds on one instance the session and handshake created on the other', async () => {
    const handshake = new HandshakeState();
    handshake.negotiated('2025-06-18', { roots: {} }, { name: 'client', version: '1' });
    const created = await a.sessions.create(handshake);
    const found = await b.sessions.get(created.id);
    expect(found?.id).toBe(created.id);
    expect(found?.handshake.protocolVersion).toBe('2025-06-18');
    expect(found?.handshake.clientCapabilities).toEqual({ roots: {} });
  });

  it('expires a session no request renews, and puts back its whole idle time on every request', async () => {
    const idle = await a.sessions.create(new HandshakeState('2025-11-25'));
    const used = await a.sessions.create(new HandshakeState('2025-11-25'));
    // Read from Redis itself, so no clock of ours decides: the TTL runs down, and a request resets it.
    const ttl = (id: string) => raw.pTTL(`mcp:session:${id}`);
    const before = await until(async () => {
      const left = await ttl(used.id);
      return left < IDLE_TIMEOUT_MS - 50 ? left : undefined;
    });
    expect(await b.sessions.get(used.id)).toBeDefined();
    expect(await ttl(used.id)).toBeGreaterThan(before);
    // The idle one is left alone until Redis drops it.
    await until(async () =>
      (await raw.exists(`mcp:session:${idle.id}`)) === 0 ? true : undefined,
    );
    expect(await b.sessions.get(idle.id)).toBeUndefined();
    expect(await a.sessions.get(idle.id)).toBeUndefined(); // gone for the instance that made it too
  });

  it('a cancellation sent to one instance aborts the request running on the other', async () => {
    const session = await a.sessions.create(new HandshakeState('2025-11-25'));
    const running = new AbortController();
    session.handshake.inFlight.track(7, running);
    const onB = (await b.sessions.get(session.id))!;
    await b.sessions.cancel(onB, 7, 'cancelled on b');
    await until(() => (running.signal.aborted ? true : undefined));
    expect(running.signal.reason).toBe('cancelled on b');
  });

  it('a DELETE on one instance ends the session on the other, its work and its streams', async () => {
    const session = await a.sessions.create(new HandshakeState('2025-11-25'));
    const running = new AbortController();
    session.handshake.inFlight.track(1, running);
    await a.eventStore.storeEvent('stream-of-deleted-session', null);
    await a.sessions.recordStream(session.id, 'stream-of-deleted-session', 1);
    await b.sessions.delete(session.id, 'client sent DELETE');
    await until(() => (session.ended ? true : undefined));
    expect(session.ended).toBe(true);
    expect(running.signal.aborted).toBe(true);
    expect(await a.sessions.get(session.id)).toBeUndefined();
    expect(await a.eventStore.streamIdOf('stream-of-deleted-session/1')).toBeUndefined();
  });
});

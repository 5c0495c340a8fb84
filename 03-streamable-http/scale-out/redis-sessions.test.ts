// The Redis session store on its own: two stores on one private redis-server
// play two instances. Sessions expire unless requests renew them; a session
// created on one instance is found on the other; a cancellation or a DELETE
// sent to one reaches work running on the other.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HandshakeState } from '../../shared/protocol/handshake-state.ts';
import { describeWithRedis } from '../../lab/support/redis.fixture.ts';
import { startRedisServer, type RedisServer } from '../../lab/deploy/redis-server.ts';
import { openRedisState, type RedisState } from './redis-sessions.ts';

const IDLE_TIMEOUT_MS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis('RedisSessionStore, two instances on one Redis', () => {
  let redis: RedisServer;
  let a: RedisState;
  let b: RedisState;
  beforeAll(async () => {
    redis = await startRedisServer();
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

  it('expires a session no request renews, and keeps one that requests renew', async () => {
    const idle = await a.sessions.create(new HandshakeState('2025-11-25'));
    const used = await a.sessions.create(new HandshakeState('2025-11-25'));
    for (let elapsed = 0; elapsed < IDLE_TIMEOUT_MS * 2; elapsed += IDLE_TIMEOUT_MS / 4) {
      await sleep(IDLE_TIMEOUT_MS / 4);
      expect(await b.sessions.get(used.id)).toBeDefined();
    }
    expect(await b.sessions.get(idle.id)).toBeUndefined();
    expect(await a.sessions.get(idle.id)).toBeUndefined(); // gone for the instance that made it too
  });

  it('a cancellation sent to one instance aborts the request running on the other', async () => {
    const session = await a.sessions.create(new HandshakeState('2025-11-25'));
    const running = new AbortController();
    session.handshake.inFlight.track(7, running);
    const onB = (await b.sessions.get(session.id))!;
    await b.sessions.cancel(onB, 7, 'cancelled on b');
    for (let waited = 0; !running.signal.aborted && waited < 2_000; waited += 10) await sleep(10);
    expect(running.signal.reason).toBe('cancelled on b');
  });

  it('a DELETE on one instance ends the session on the other, its work and its streams', async () => {
    const session = await a.sessions.create(new HandshakeState('2025-11-25'));
    const running = new AbortController();
    session.handshake.inFlight.track(1, running);
    await a.eventStore.storeEvent('stream-of-deleted-session', null);
    await a.sessions.recordStream(session.id, 'stream-of-deleted-session', 1);
    await b.sessions.delete(session.id, 'client sent DELETE');
    for (let waited = 0; !session.ended && waited < 2_000; waited += 10) await sleep(10);
    expect(session.ended).toBe(true);
    expect(running.signal.aborted).toBe(true);
    expect(await a.sessions.get(session.id)).toBeUndefined();
    expect(await a.eventStore.streamIdOf('stream-of-deleted-session/1')).toBeUndefined();
  });
});

// The Redis event store on its own, against a private redis-server: the same
// event ids as in memory, replay by range, the per-stream bound, and following
// a stream that someone else keeps writing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JsonRpcMessage } from '../../shared/protocol/jsonrpc.ts';
import { describeWithRedis } from '../../lab/support/redis.fixture.ts';
import { startRedisServer, type RedisServer } from '../../lab/deploy/redis-server.ts';
import { MAX_EVENTS_PER_STREAM } from '../event-store.ts';
import { StoreUnavailableError } from '../sessions.ts';
import { connectRedis, type RedisConnection } from './redis-connection.ts';
import { RedisEventStore, streamKey } from './redis-event-store.ts';

const progress = (n: number): JsonRpcMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 't', progress: n },
});
const answer: JsonRpcMessage = { jsonrpc: '2.0', id: 1, result: {} };

describeWithRedis('RedisEventStore', () => {
  let server: RedisServer;
  let redis: RedisConnection;
  let events: RedisEventStore;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = await connectRedis(server.url, () => {});
    events = new RedisEventStore(redis, { retentionMs: 60_000 });
  });
  afterAll(async () => {
    redis?.destroy();
    await server?.stop();
  });

  const replayAll = async (after: string) => {
    const replayed: string[] = [];
    const stream = await events.replayEventsAfter(after, (id) => void replayed.push(id));
    return { stream, replayed };
  };

  it('mints ids that name their stream, numbered by Redis', async () => {
    expect(await events.storeEvent('ids', null)).toBe('ids/1');
    expect(await events.storeEvent('ids', progress(1))).toBe('ids/2');
    expect(await events.storeEvent('other', progress(1))).toBe('other/1');
  });

  it('replays only what came after the id, and only from its own stream', async () => {
    const primed = await events.storeEvent('a', null);
    await events.storeEvent('b', progress(9));
    const first = await events.storeEvent('a', progress(1));
    await events.storeEvent('a', progress(2));
    expect(await replayAll(primed)).toEqual({ stream: 'a', replayed: ['a/2', 'a/3'] });
    expect(await replayAll(first)).toEqual({ stream: 'a', replayed: ['a/3'] });
  });

  it('refuses ids it never issued instead of replaying something else', async () => {
    await events.storeEvent('known', progress(1));
    expect((await replayAll('known/7')).stream).toBeUndefined();
    expect((await replayAll('unknown/1')).stream).toBeUndefined();
    expect((await replayAll('not-an-id')).stream).toBeUndefined();
    expect(await events.streamIdOf('unknown/1')).toBeUndefined();
    expect(await events.streamIdOf('known/1')).toBe('known');
  });

  it(`keeps at most ${MAX_EVENTS_PER_STREAM} events per stream and refuses a resume from before them`, async () => {
    const first = await events.storeEvent('long', null);
    const batch = redis.multi();
    for (let n = 0; n < MAX_EVENTS_PER_STREAM + 10; n += 1)
      batch.xAdd(streamKey('long'), '0-*', { message: JSON.stringify(progress(n)) });
    await batch.exec();
    await events.storeEvent('long', progress(-1)); // trims to the bound
    expect(await redis.xLen(streamKey('long'))).toBe(MAX_EVENTS_PER_STREAM);
    expect((await replayAll(first)).stream).toBeUndefined(); // a gap, not a silent hole
  });

  it('gives every stream a time to live, renewed by each event', async () => {
    await events.storeEvent('expiring', progress(1));
    const ttl = await redis.pTTL(streamKey('expiring'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('follows a stream live until its response, while another writer appends', async () => {
    const primed = await events.storeEvent('live', null);
    const received: string[] = [];
    const following = events.followEventsAfter(primed, (id) => void received.push(id), {
      signal: new AbortController().signal,
      writerAlive: () => Promise.resolve(true),
    });
    for (let n = 1; n <= 3; n += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await events.storeEvent('live', progress(n));
    }
    await events.storeEvent('live', answer);
    await events.storeEvent('live', { ...answer, id: 2 }); // after the response: never delivered
    expect(await following).toBe('answered');
    expect(received).toEqual(['live/2', 'live/3', 'live/4', 'live/5']);
  });

  it('reports a stream whose writer stopped renewing its owner key as lost', async () => {
    const primed = await events.storeEvent('orphan', null);
    await events.storeEvent('orphan', progress(1));
    const received: string[] = [];
    const outcome = await events.followEventsAfter(primed, (id) => void received.push(id), {
      signal: new AbortController().signal,
      writerAlive: () => Promise.resolve(false),
    });
    expect(outcome).toBe('writer-lost');
    expect(received).toEqual(['orphan/2']);
  });

  it('stops following when the stream is deleted (its session ended)', async () => {
    const primed = await events.storeEvent('deleted', null);
    const following = events.followEventsAfter(primed, () => {}, {
      signal: new AbortController().signal,
      writerAlive: () => Promise.resolve(true),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await events.deleteStream('deleted');
    expect(await following).toBe('gone');
  });

  it('fails with StoreUnavailableError, not a hang, while Redis is down', async () => {
    await server.stop();
    try {
      await expect(events.storeEvent('down', progress(1))).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
    } finally {
      await server.restart();
    }
  });
});

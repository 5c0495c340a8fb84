// The in-memory event store: ids that are unique and name their stream,
// replay that never crosses streams, and bounds that refuse to leave gaps.
import { describe, expect, it } from 'vitest';
import type { JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import { InMemoryEventStore, MAX_EVENTS_PER_STREAM, parseEventId } from './event-store.ts';

const note = (n: number): JsonRpcMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progress: n },
});

async function replay(store: InMemoryEventStore, lastEventId: string) {
  const seen: Array<[string, JsonRpcMessage]> = [];
  const streamId = await store.replayEventsAfter(lastEventId, (id, message) => {
    seen.push([id, message]);
  });
  return { streamId, seen };
}

describe('InMemoryEventStore', () => {
  it('gives every event an id that is unique across streams and names its stream (spec: shttp-event-id-unique, shttp-event-id-names-stream)', async () => {
    const store = new InMemoryEventStore();
    const ids = [
      await store.storeEvent('a', null),
      await store.storeEvent('b', null),
      await store.storeEvent('a', note(1)),
      await store.storeEvent('b', note(1)),
    ];
    expect(new Set(ids).size).toBe(4);
    expect(ids.map((id) => parseEventId(id)?.streamId)).toEqual(['a', 'b', 'a', 'b']);
  });

  it('replays, in order, only the events after the given id on the same stream (spec: shttp-no-cross-stream-replay)', async () => {
    const store = new InMemoryEventStore();
    const priming = await store.storeEvent('a', null);
    await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(99));
    await store.storeEvent('a', note(2));
    const { streamId, seen } = await replay(store, priming);
    expect(streamId).toBe('a');
    expect(seen.map(([, message]) => message)).toEqual([note(1), note(2)]);
  });

  it('skips priming events, which carry no message', async () => {
    const store = new InMemoryEventStore();
    const first = await store.storeEvent('a', note(1));
    await store.storeEvent('a', null);
    await store.storeEvent('a', note(2));
    expect((await replay(store, first)).seen.map(([, message]) => message)).toEqual([note(2)]);
  });

  it.each(['', 'garbage', 'a/x', 'a/-1', 'unknown-stream/0', 'a/7'])(
    'answers the unknown id %j with undefined and replays nothing',
    async (id) => {
      const store = new InMemoryEventStore();
      await store.storeEvent('a', note(1));
      expect(await replay(store, id)).toEqual({ streamId: undefined, seen: [] });
    },
  );

  it(`keeps the last ${MAX_EVENTS_PER_STREAM} events of a stream, and refuses a resume that would leave a gap`, async () => {
    const store = new InMemoryEventStore();
    const first = await store.storeEvent('a', note(0));
    let previous = first;
    for (let n = 1; n <= MAX_EVENTS_PER_STREAM + 1; n += 1) {
      const id = await store.storeEvent('a', note(n));
      if (n === MAX_EVENTS_PER_STREAM) previous = id;
    }
    expect((await replay(store, first)).streamId).toBeUndefined();
    expect((await replay(store, previous)).seen).toHaveLength(1);
  });

  it('forgets a deleted stream', async () => {
    const store = new InMemoryEventStore();
    const id = await store.storeEvent('a', note(1));
    await store.deleteStream('a');
    expect(await store.streamIdOf(id)).toBeUndefined();
    expect(store.size).toBe(0);
  });
});

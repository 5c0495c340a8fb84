// Stage 03's handshake era on Redis, with real processes: three server
// instances share one private redis-server behind a round-robin balancer (no
// sticky sessions). Streams are cut and resumed on whichever instance the
// balancer picks; cancellations and DELETEs land on instances that are not
// running the work; an instance is killed mid-call. See docs/06-scale-out.md.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBalancer, type Balancer } from '../../lab/deploy/balancer.ts';
import { searchIssuesArguments } from '../../shared/demo/demo-tools.ts';
import {
  JsonRpcError,
  type JsonRpcMessage,
  type RequestId,
} from '../../shared/protocol/jsonrpc.ts';
import { McpClient } from '../../shared/protocol/mcp-client.ts';
import { describeWithRedis } from '../../lab/support/redis.fixture.ts';
import { startRedisServer, type RedisServer } from '../../lab/deploy/redis-server.ts';
import { startServerProcess, type ServerProcess } from '../../lab/deploy/server-process.ts';
import { StreamableHttpClientTransport, type StreamObserver } from '../client-transport.ts';

const CLIENTS = 20;
const CALLS_PER_CLIENT = 5;
const PAGES = 10;

/** A seeded generator, so a failing run can be replayed with the same cuts. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A handshake-era client through the balancer, recording every event it receives. */
async function connect(url: string, observer: StreamObserver = {}) {
  const transport = new StreamableHttpClientTransport(url, observer);
  const client = new McpClient({
    transport,
    clientInfo: { name: 'scale-out-test', version: '1.0.0' },
    protocolVersion: '2025-11-25',
  });
  await client.connect();
  return { client, transport };
}

/** Counters of one instance's demo tools, by IPC. */
async function running(instance: ServerProcess): Promise<number> {
  const { counters } = await instance.diagnostics();
  return (
    (counters.searchIssuesStarts ?? 0) -
    (counters.searchIssuesCompleted ?? 0) -
    (counters.searchIssuesAborted ?? 0)
  );
}

/** The params of a progress notification, or `undefined` for any other message. */
function progressOf(
  message: JsonRpcMessage,
): { progressToken: unknown; progress: unknown } | undefined {
  if (!('method' in message) || message.method !== 'notifications/progress') return undefined;
  return { progressToken: message.params?.progressToken, progress: message.params?.progress };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** The instance running a call right now (exactly one is). */
async function instanceRunningACall(instances: ServerProcess[]): Promise<ServerProcess> {
  return until('an instance to run the call', async () => {
    const counts = await Promise.all(instances.map(running));
    const index = counts.findIndex((count) => count > 0);
    return index >= 0 ? instances[index] : undefined;
  });
}

async function total(instances: ServerProcess[], counter: string): Promise<number> {
  const all = await Promise.all(instances.map((instance) => instance.diagnostics()));
  return all.reduce((sum, { counters }) => sum + (counters[counter] ?? 0), 0);
}

describeWithRedis('stage 03 on Redis, 3 instances behind a round-robin balancer', () => {
  let redis: RedisServer;
  let instances: ServerProcess[];
  let balancer: Balancer;
  let url: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    instances = await Promise.all(
      [1, 2, 3].map(() =>
        startServerProcess('03-streamable-http/scale-out/server.ts', { REDIS_URL: redis.url }),
      ),
    );
    balancer = await startBalancer({
      upstreams: instances.map((instance) => new URL(instance.url).origin),
    });
    url = `${balancer.url}/mcp`;
  }, 60_000);
  afterAll(async () => {
    await balancer?.close();
    await Promise.all((instances ?? []).map((instance) => instance.stop()));
    await redis?.stop();
  });

  it(`${CLIENTS} clients × ${CALLS_PER_CLIENT} calls, every stream cut and resumed anywhere: each result once, no progress twice, nothing from another stream`, async () => {
    const next = random(20261124);
    const streamsFollowedBefore = await total(instances, 'streamsFollowed');
    const runs = Array.from({ length: CLIENTS }, async () => {
      const events: Array<{ requestId: RequestId; eventId?: string; message: JsonRpcMessage }> = [];
      let resumes = 0;
      const { client, transport } = await connect(url, {
        onEvent: (event) => void events.push({ ...event, eventId: event.eventId }),
        onResume: () => void (resumes += 1),
      });
      const texts: string[] = [];
      for (let call = 0; call < CALLS_PER_CLIENT; call += 1) {
        const cutAt = 1 + Math.floor(next() * (PAGES - 1)); // after progress 1 … 9
        const result = await client.callTool(
          'search_issues',
          { ...searchIssuesArguments({ pages: PAGES, delayMs: 20 }) },
          {
            onprogress: ({ progress }) => {
              if (progress === cutAt) transport.cutConnections();
            },
          },
        );
        texts.push(JSON.stringify(result));
      }
      await client.close();
      return { events, resumes, texts };
    });
    const results = await Promise.all(runs);

    let cuts = 0;
    let duplicated = 0;
    let foreign = 0;
    for (const { events, resumes, texts } of results) {
      cuts += resumes;
      expect(texts).toHaveLength(CALLS_PER_CLIENT);
      const byRequest = new Map<RequestId, typeof events>();
      for (const event of events)
        byRequest.set(event.requestId, [...(byRequest.get(event.requestId) ?? []), event]);
      const calls = [...byRequest.values()].filter((list) =>
        list.some((event) => 'method' in event.message),
      );
      expect(calls).toHaveLength(CALLS_PER_CLIENT);
      for (const list of calls) {
        const ids = list.map((event) => event.eventId);
        duplicated += ids.length - new Set(ids).size;
        // Every event id names the one stream that answers this request.
        const streams = new Set(ids.map((id) => id?.slice(0, id.lastIndexOf('/'))));
        const requestId = list[0]!.requestId;
        const progress = list
          .map(({ message }) => progressOf(message))
          .filter((p) => p !== undefined);
        const token = progress[0]?.progressToken;
        for (const { message } of list) {
          const ours =
            'method' in message
              ? progressOf(message)?.progressToken === token
              : message.id === requestId;
          if (!ours || streams.size !== 1) foreign += 1;
        }
        expect(progress.map((p) => p.progress)).toEqual(
          Array.from({ length: PAGES }, (_, n) => n + 1),
        );
        expect(list.filter((event) => !('method' in event.message))).toHaveLength(1);
      }
    }
    const calls = CLIENTS * CALLS_PER_CLIENT;
    const followed = (await total(instances, 'streamsFollowed')) - streamsFollowedBefore;
    console.log(
      `scale-out on Redis: ${calls} calls, ${cuts} cuts resumed (${followed} of them on an instance ` +
        `other than the one running the tool), 0 lost, ${duplicated} duplicated, ${foreign} foreign`,
    );
    expect({ cuts, duplicated, foreign }).toEqual({ cuts: calls, duplicated: 0, foreign: 0 });
    expect(followed).toBeGreaterThan(0); // the cross-instance path was really taken
    // Resumed, not re-sent: every tool ran exactly once.
    expect(await total(instances, 'searchIssuesCompleted')).toBe(calls);
    expect(await total(instances, 'searchIssuesStarts')).toBe(calls);
  }, 120_000);

  it('a DELETE that lands on another instance stops the work running on the first', async () => {
    const { client, transport } = await connect(url);
    const call = client.callTool('search_issues', {
      ...searchIssuesArguments({ pages: 100, delayMs: 50 }),
    });
    call.catch(() => {});
    const runner = await instanceRunningACall(instances);
    const other = instances.find((instance) => instance !== runner)!;
    const abortedBefore = (await runner.diagnostics()).counters.searchIssuesAborted ?? 0;

    const response = await fetch(other.url, {
      method: 'DELETE',
      headers: { 'Mcp-Session-Id': transport.sessionId!, 'MCP-Protocol-Version': '2025-11-25' },
    });
    expect(response.status).toBe(204);
    await until('the runner to abort', async () =>
      ((await runner.diagnostics()).counters.searchIssuesAborted ?? 0) > abortedBefore
        ? true
        : undefined,
    );
    await expect(call).rejects.toThrow();
  }, 60_000);

  it('a cancellation that lands on another instance stops the work running on the first', async () => {
    let requestId: RequestId | undefined;
    const { client, transport } = await connect(url, {
      onEvent: (event) => void (requestId ??= event.requestId),
    });
    const call = client.callTool(
      'search_issues',
      { ...searchIssuesArguments({ pages: 100, delayMs: 50 }) },
      { onprogress: () => {} },
    );
    call.catch(() => {});
    const runner = await instanceRunningACall(instances);
    const other = instances.find((instance) => instance !== runner)!;
    const abortedBefore = (await runner.diagnostics()).counters.searchIssuesAborted ?? 0;
    await until('the first progress', () => Promise.resolve(requestId));

    const response = await fetch(other.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Session-Id': transport.sessionId!,
        'MCP-Protocol-Version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId, reason: 'test: cancelled on another instance' },
      }),
    });
    expect(response.status).toBe(202);
    await until('the runner to abort', async () =>
      ((await runner.diagnostics()).counters.searchIssuesAborted ?? 0) > abortedBefore
        ? true
        : undefined,
    );
    expect(await running(runner)).toBe(0);
    await client.close();
  }, 60_000);

  /** Six long calls through the balancer; resolves to each call's outcome, and the instance running the most. */
  async function sixLongCalls() {
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect(url)));
    const outcomes = Promise.all(
      clients.map(({ client }) =>
        client
          .callTool(
            'search_issues',
            { ...searchIssuesArguments({ pages: 100, delayMs: 50 }) },
            {
              onprogress: () => {},
            },
          )
          .then(
            () => ({ ok: true as const, at: Date.now() }),
            (error: unknown) => ({ ok: false as const, at: Date.now(), error }),
          ),
      ),
    );
    const counts = await until('every call to start', async () => {
      const perInstance = await Promise.all(instances.map(running));
      return perInstance.reduce((a, b) => a + b, 0) === clients.length ? perInstance : undefined;
    });
    const busiest = counts.indexOf(Math.max(...counts));
    return { clients, outcomes, busiest, runningThere: counts[busiest]! };
  }

  /** The calls that ran on the stopped instance failed with `error`; every other call completed. */
  function expectOnlyTheStoppedCallsLost(
    settled: Array<{ ok: boolean; at: number; error?: unknown }>,
    runningThere: number,
    error: RegExp,
  ) {
    const lost = settled.filter((outcome) => !outcome.ok);
    expect(lost).toHaveLength(runningThere);
    for (const outcome of lost) {
      expect(outcome.error).toBeInstanceOf(JsonRpcError);
      expect((outcome.error as JsonRpcError).message).toMatch(error);
    }
    return lost;
  }

  // Stops an instance: keep the last two tests last in this block.
  it('an instance stopped with SIGTERM mid-call: its calls end with a "send it again" error, the others complete', async () => {
    const { clients, outcomes, busiest, runningThere } = await sixLongCalls();
    await instances[busiest]!.stop();
    const settled = await outcomes;

    expectOnlyTheStoppedCallsLost(
      settled,
      runningThere,
      /shutting down before answering; send the request again/,
    );
    await Promise.all(clients.map(({ client }) => client.close().catch(() => {})));
    instances.splice(busiest, 1);
  }, 60_000);

  // Kills an instance: keep it last in this block.
  it('an instance killed mid-call: its calls end with an error on the resumed stream, the others complete', async () => {
    const { clients, outcomes, busiest, runningThere } = await sixLongCalls();
    const killedAt = Date.now();
    await instances[busiest]!.kill();
    const settled = await outcomes;

    const lost = expectOnlyTheStoppedCallsLost(
      settled,
      runningThere,
      /instance running this request stopped/,
    );
    // How long the client waited to hear of the loss: about the owner key's TTL, plus one blocking read.
    const heardAfter = Math.max(...lost.map((outcome) => outcome.at - killedAt));
    console.log(
      `killed an instance running ${lost.length} of ${clients.length} calls: ` +
        `each ended with an error ${heardAfter} ms after the kill; the other ${clients.length - lost.length} completed`,
    );
    await Promise.all(clients.map(({ client }) => client.close().catch(() => {})));
    instances.splice(busiest, 1);
  }, 60_000);
});

describeWithRedis('stage 03 when Redis goes away and comes back', () => {
  let redis: RedisServer;
  let instance: ServerProcess;

  beforeAll(async () => {
    redis = await startRedisServer();
    instance = await startServerProcess('03-streamable-http/scale-out/server.ts', {
      REDIS_URL: redis.url,
    });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
    await redis?.stop();
  });

  const post = (body: object, sessionId?: string) =>
    fetch(instance.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...(sessionId ? { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' } : {}),
      },
      body: JSON.stringify(body),
    });
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 't', version: '1' },
    },
  };
  const listTools = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

  it('answers 503 with a JSON-RPC error while Redis is down, without crashing, and serves again once it is back', async () => {
    const before = await post(initialize);
    const sessionId = before.headers.get('mcp-session-id')!;
    expect(before.status).toBe(200);

    await redis.stop();
    // The 2025-11-25 request leaves the unread id out; initialize, sent with no version header, gets null.
    const answers = [
      { response: await post(listTools, sessionId), id: undefined },
      { response: await post(initialize), id: null },
    ];
    for (const { response, id } of answers) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      const body = (await response.json()) as { id?: unknown };
      expect(body).toMatchObject({
        jsonrpc: '2.0',
        error: { code: -32603, message: expect.stringMatching(/Service Unavailable/) as unknown },
      });
      expect(body.id).toBe(id);
    }
    expect((await instance.diagnostics()).counters.sessions).toBeGreaterThanOrEqual(0); // still alive

    await redis.restart();
    // Redis came back empty (no persistence): the old session is gone (404), a new one works.
    const old = await until('Redis to be reachable again', async () => {
      const response = await post(listTools, sessionId);
      return response.status === 503 ? undefined : response;
    });
    expect(old.status).toBe(404);
    const again = await post(initialize);
    expect(again.status).toBe(200);
    const tools = await post(listTools, again.headers.get('mcp-session-id')!);
    expect(tools.status).toBe(200);
  }, 60_000);
});

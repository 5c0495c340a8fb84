/**
 * `npm run bench`: the course's servers, plain express, the raw-HTTP limit and
 * the official SDKs, measured side by side in one run.
 *
 * How it keeps a shared 2-core machine honest: every server runs as its own
 * process and the load comes from another (load.ts); the targets are measured
 * in interleaved rounds, so noise falls on all of them alike; every figure is
 * the median of the rounds, and is also given as a ratio to the raw-HTTP limit
 * measured in the same run. CPU time per request is read from the server
 * process itself (`process.cpuUsage()` over IPC): the least noisy figure,
 * because the load generator's CPU does not count.
 *
 * Three phases: throughput and latency at concurrency 1 and 50; 1,000
 * sequential calls with and without keep-alive (round trip and TCP
 * connections); heap growth per call, from 1,000 to 10,000 calls.
 * `--quick`: one short round. `--only a,b`: some targets. `--json FILE`: the raw
 * figures. `--write`: rewrite ../../docs/performance.md.
 * Read next: targets.ts, what is measured; load.ts, how it is measured;
 * report.ts, the summary.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { connectRedis } from '../../03-streamable-http/scale-out/redis-connection.ts';
import {
  isRedisServerInstalled,
  REDIS_INSTALL_HINT,
  startRedisServer,
} from '../deploy/redis-server.ts';
import type { Limits } from '../../shared/limits.ts';
import { startServerProcess, type ServerProcess } from '../deploy/server-process.ts';
import { progressBar, startSpinner } from '../../shared/demo/terminal.ts';
import { MetaKey } from '../../shared/protocol/versions.ts';
import type { LoadResult, LoadSpec } from './load.ts';
import { openSession } from './session.ts';
import { CONCURRENCY, performanceDocument, summarise, type Samples } from './report.ts';
import { TARGETS, type Target } from './targets.ts';

/** Limits lifted for the benchmark's thousands of clients from one address (see shared/limits.ts). */
const BENCH_LIMITS: Partial<Limits> = {
  maxSessionsPerClient: 100_000,
  maxSessions: 100_000,
  maxStreamsPerClient: 100_000,
};

const LOAD_SCRIPT = new URL('./load.ts', import.meta.url).pathname;
/** Where `--write` puts the tables. */
const PERFORMANCE_FILE = new URL('../../docs/performance.md', import.meta.url);

const ECHO = { name: 'echo', arguments: { text: 'hello' } };

/** What a load needs besides its size: the URL, the headers, the body. */
type Request = Omit<LoadSpec, 'connections' | 'durationSeconds'>;

async function loadSpec(target: Target, url: string): Promise<Request> {
  const progress = target.sseAnswer ? { _meta: { progressToken: 'bench' } } : {};
  const call = (params: object) =>
    JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'tools/call', params });
  switch (target.protocol) {
    case 'sse-transport':
      return { kind: 'sse-transport', url };
    case '2026':
      return {
        kind: 'http',
        url,
        headers: {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'echo',
        },
        body: call({
          ...ECHO,
          _meta: {
            [MetaKey.protocolVersion]: '2026-07-28',
            [MetaKey.clientCapabilities]: {},
            ...progress._meta,
          },
        }),
      };
    case 'session':
      return {
        kind: 'http',
        url,
        headers: { 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': await openSession(url) },
        body: call({ ...ECHO, ...progress }),
      };
    default:
      return {
        kind: 'http',
        url,
        headers: { 'mcp-protocol-version': '2025-11-25' },
        body: call({ ...ECHO, ...progress }),
      };
  }
}

/** Redis's own counters, read with `INFO stats`: what a run cost Redis. */
async function watchRedisStats(url: string) {
  const redis = await connectRedis(url, () => {});
  return {
    async read() {
      const info = await redis.info('stats');
      const counter = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1]);
      return {
        reads: counter('total_reads_processed'),
        commands: counter('total_commands_processed'),
      };
    },
    close: () => redis.destroy(),
  };
}

/** The load generator: one process for the whole run, driven over IPC. */
class LoadGenerator {
  readonly #child: ChildProcess = fork(LOAD_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  run(spec: LoadSpec): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.#child.once('message', (reply: { result?: LoadResult; error?: string }) =>
        reply.result ? resolve(reply.result) : reject(new Error(reply.error)),
      );
      this.#child.send(spec);
    });
  }

  stop(): void {
    this.#child.kill();
  }
}

/** One load against one server, with the server's CPU time, connections and heap read around it. */
async function measure(spec: LoadSpec, server: ServerProcess, load: LoadGenerator) {
  const before = await server.diagnostics();
  const result = await load.run(spec);
  const after = await server.diagnostics();
  const cpu = after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
  return {
    ...result,
    cpuMicrosPerRequest: result.requests ? cpu / result.requests : Number.NaN,
    connections: (after.counters.connections ?? 0) - (before.counters.connections ?? 0),
    heapUsed: after.memory.heapUsed,
  };
}

/** Servers that keep state per connected client: a session (with its GET stream), or an HTTP+SSE stream. */
function holdsIdleClients(target: Target): boolean {
  return (
    target.protocol === 'sse-transport' || (target.protocol === 'session' && !target.sseAnswer)
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      write: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const wanted = values.only?.split(',');
  let targets = TARGETS.filter((target) => !wanted || wanted.includes(target.id));
  if (targets.some((target) => target.redis) && !isRedisServerInstalled()) {
    console.warn(`Leaving out the Redis targets: ${REDIS_INSTALL_HINT}`);
    targets = targets.filter((target) => !target.redis);
  }
  const rounds = values.quick ? 1 : 3;
  const durationSeconds = values.quick ? 0.5 : 1;
  const sequentialCalls = values.quick ? 200 : 1000;
  const [smallRun, largeRun] = values.quick ? [500, 2_000] : [1_000, 10_000];
  const idleSteps = values.quick ? [100, 400] : [500, 2_000];

  const line = startSpinner('starting servers');
  const servers = new Map<string, ServerProcess>();
  const requests = new Map<string, Request>();
  const load = new LoadGenerator();
  const samples: Samples = {
    throughput: [],
    sequential: [],
    heap: [],
    idle: [],
    progress: [],
    redis: [],
  };
  const redis = targets.some((target) => target.redis) ? await startRedisServer() : undefined;
  const redisStats = redis ? await watchRedisStats(redis.url) : undefined;
  try {
    for (const target of targets) {
      line.update(`starting ${target.title}`);
      const env = {
        ...target.env,
        ...(target.redis && redis ? { REDIS_URL: redis.url } : {}),
        // Every client of a benchmark comes from 127.0.0.1: the per-client limits, right for
        // production, would stop the idle-client runs at their defaults.
        MCP_LIMITS: JSON.stringify(BENCH_LIMITS),
      };
      const server = await startServerProcess(target.script, env, target.args ?? []);
      servers.set(target.id, server);
      requests.set(target.id, await loadSpec(target, server.url));
    }
    const steps = rounds * targets.length * (CONCURRENCY.length + 2) + 3 * targets.length;
    let done = 0;
    const step = (text: string) => line.update(`${progressBar(done++, steps)} ${text}`);
    for (let round = 1; round <= rounds; round += 1) {
      // Interleaved: each round visits every target, so a noisy moment hits them all alike.
      for (const target of targets) {
        const server = servers.get(target.id)!;
        const request = requests.get(target.id)!;
        for (const concurrency of CONCURRENCY) {
          step(`round ${round}/${rounds}: ${target.title}, ${concurrency} concurrent`);
          const result = await measure(
            { ...request, connections: concurrency, durationSeconds },
            server,
            load,
          );
          samples.throughput.push({ target: target.id, round, concurrency, ...result });
        }
        for (const keepAlive of [true, false]) {
          step(`round ${round}/${rounds}: ${target.title}, ${sequentialCalls} calls in a row`);
          const spec: LoadSpec = {
            ...request,
            kind: 'sequential',
            sseTransport: request.kind === 'sse-transport',
            keepAlive,
            amount: sequentialCalls,
            connections: 1,
            durationSeconds: 0,
          };
          const redisBefore = target.redis ? await redisStats?.read() : undefined;
          const result = await measure(spec, server, load);
          samples.sequential.push({ target: target.id, round, keepAlive, ...result });
          const redisAfter = redisBefore && (await redisStats?.read());
          if (redisBefore && redisAfter) {
            // Reads Redis processed ≈ round trips: a pipelined MULTI arrives as one read.
            samples.redis.push({
              target: target.id,
              roundTripsPerCall: (redisAfter.reads - redisBefore.reads) / sequentialCalls,
              commandsPerCall: (redisAfter.commands - redisBefore.commands) / sequentialCalls,
            });
          }
        }
      }
    }
    for (const target of targets.filter((t) => requests.get(t.id)?.kind === 'http')) {
      // A leak shows as heap that grows with the calls on one session: compare 1,000 calls with 10,000.
      step(`${target.title}: heap after ${smallRun} and ${largeRun} calls`);
      const server = servers.get(target.id)!;
      const request = { ...requests.get(target.id)!, connections: 10, durationSeconds: 0 };
      const small = await measure({ ...request, amount: smallRun }, server, load);
      const large = await measure({ ...request, amount: largeRun - smallRun }, server, load);
      samples.heap.push({
        target: target.id,
        bytesPerCall: (large.heapUsed - small.heapUsed) / (largeRun - smallRun),
        calls: largeRun,
      });
    }
    for (const target of targets.filter((t) => t.carriesProgress)) {
      // Where the transport carries progress: how soon the first notification comes, against the result.
      step(`${target.title}: time to the first progress`);
      const request = requests.get(target.id)!;
      for (let call = 0; call < rounds; call += 1) {
        const result = await load.run({
          ...request,
          kind: 'progress',
          sseTransport: request.kind === 'sse-transport',
          protocolVersion: target.protocol === '2026' ? '2026-07-28' : '2025-11-25',
          connections: 1,
          durationSeconds: 0,
        });
        samples.progress.push({
          target: target.id,
          firstProgressMs: result.firstProgressMs ?? Number.NaN,
          resultMs: result.resultMs ?? Number.NaN,
        });
      }
    }
    for (const target of targets.filter(holdsIdleClients)) {
      // What every connected, idle client costs: a session and its stream, held open.
      step(`${target.title}: ${idleSteps.join(' and ')} idle clients`);
      const server = servers.get(target.id)!;
      const request = requests.get(target.id)!;
      const base = await server.diagnostics();
      let held = 0;
      for (const clients of idleSteps) {
        const spec: LoadSpec = {
          ...request,
          kind: 'hold',
          sseTransport: request.kind === 'sse-transport',
          amount: clients - held,
          connections: 1,
          durationSeconds: 0,
        };
        await load.run(spec);
        held = clients;
        await new Promise((resolve) => setTimeout(resolve, 500)); // let the server take the last ones in
        const now = await server.diagnostics();
        samples.idle.push({
          target: target.id,
          clients,
          heapBytesPerClient: (now.memory.heapUsed - base.memory.heapUsed) / clients,
          rssBytesPerClient: (now.memory.rss - base.memory.rss) / clients,
          sessions: (now.counters.sessions ?? 0) - (base.counters.sessions ?? 0),
        });
      }
      await load.run({ ...request, kind: 'release', connections: 1, durationSeconds: 0 });
    }
  } finally {
    line.stop();
    load.stop();
    await Promise.all([...servers.values()].map((server) => server.stop()));
    redisStats?.close();
    await redis?.stop();
  }
  const machine =
    `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ` +
    `median of ${rounds} interleaved round(s)`;
  const document = performanceDocument(summarise(samples), machine);
  console.log(document);
  if (values.json) await writeFile(values.json, JSON.stringify({ machine, samples }, null, 2));
  if (values.write) await writeFile(PERFORMANCE_FILE, document);
}

await main();

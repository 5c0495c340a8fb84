/**
 * The trace's scenarios: each stage's own client running its demo call
 * against its own server (on port 0), through a recording proxy placed
 * between them. Nothing is re-implemented here: the clients are the ones
 * `npm run 0N:client` runs, pointed at the proxy instead of the server.
 *
 * Teaches: a recording is only worth drawing if it is the real exchange.
 * The stage's client cannot tell the proxy from the server, so the same cut
 * (`dropAfter`) is a real cut, and what the diagram shows is what the course's
 * tests check.
 * Read next: recordings.ts, the named scenarios the chapters embed.
 * @module
 */
import { runPlainHttpClient } from '../../01-plain-http/client.ts';
import { createPlainHttpServer } from '../../01-plain-http/server.ts';
import { runHttpSseClient } from '../../02-http-sse/client.ts';
import { createHttpSseServer } from '../../02-http-sse/server.ts';
import { runStreamableHttpClient } from '../../03-streamable-http/client.ts';
import { createStreamableHttpServer } from '../../03-streamable-http/server.ts';
import { createScaleOutServer } from '../../03-streamable-http/scale-out/server.ts';
import { startBalancer } from '../deploy/balancer.ts';
import {
  createDemoTools,
  sumDemoToolStats,
  type DemoToolStats,
} from '../../shared/demo/demo-tools.ts';
import { startRedisServer } from '../deploy/redis-server.ts';
import {
  LATEST_HANDSHAKE_VERSION,
  LATEST_VERSION,
  isSupportedVersion,
  type ProtocolVersion,
} from '../../shared/protocol/versions.ts';
import { startRecordingProxy } from './recording-proxy.ts';
import type { Recording } from './sequence-diagram.ts';

/** The stages a trace can record. */
export const STAGES = ['01', '02', '03'] as const;

/** A stage, by its folder's number. */
export type Stage = (typeof STAGES)[number];

/** One run to record: a stage and the options its demo takes. */
export interface TraceScenario {
  /** Which stage's client and server to run. */
  stage: Stage;
  /** Stages 01 and 03: the revision the client speaks (01: 2025-11-25, 03: 2026-07-28 by default). */
  revision?: ProtocolVersion;
  /** Stages 02 and 03: cut the call's stream after this many progress notifications. */
  dropAfter?: number;
  /** Stage 03: run the server without sessions. */
  sessionless?: boolean;
  /**
   * Stage 03: this many instances sharing a private `redis-server`, behind the
   * round-robin balancer (`npm run 03:cluster` in one process); each answer
   * then says which instance served it.
   */
  instances?: number;
}

/**
 * Pages the recorded `search_issues` searches: the demos' 10, so a diagram
 * shows every progress notification a person watching the demo sees.
 */
export const TRACE_PAGES = 10;

/**
 * Milliseconds per page. A third of the demos' 300 keeps a recording near a
 * second, and still leaves a client's cut 100 ms to reach the server before
 * the next progress notification could cross it (the page delay is an
 * argument of the call, which the diagram does not draw).
 */
export const TRACE_DELAY_MS = 100;

/** How long to wait for a server to notice a cut and stop its tool. */
const SETTLE_MS = 2_000;

/** The client's own defaults, so a command never spells one out. */
const DEFAULT_REVISION: Partial<Record<Stage, ProtocolVersion>> = {
  '01': LATEST_HANDSHAKE_VERSION,
  '03': LATEST_VERSION,
};

/** A running stage server, as far as a trace needs it. */
interface StageServer {
  url: string;
  /** The demo tools' counters now, over every instance. */
  stats(): DemoToolStats;
  close(): Promise<void>;
}

/**
 * Runs a scenario through a recording proxy and returns what crossed it, and
 * the facts a wire cannot show: whether the client got its result, and how
 * often the server started, finished and aborted the tool.
 *
 * @example
 * ```ts
 * const recording = await recordScenario({ stage: '03', revision: '2025-11-25', dropAfter: 3 });
 * console.log(renderAscii(toSequenceDiagram(recording)));
 * ```
 */
export async function recordScenario(scenario: TraceScenario): Promise<Recording> {
  checkScenario(scenario);
  const server = await startStageServer(scenario);
  try {
    const proxy = await startRecordingProxy(new URL(server.url).origin);
    try {
      const url = new URL(new URL(server.url).pathname, proxy.url).href;
      const seen = await runStageClient(scenario, url);
      await proxy.settled();
      await toolsSettled(server);
      const { searchIssuesStarts, searchIssuesCompleted, searchIssuesAborted } = server.stats();
      return {
        exchanges: proxy.exchanges,
        facts: [
          `client: ${seen.result ? 'the result' : 'no result'}, ` +
            `${seen.progress} progress notification${seen.progress === 1 ? '' : 's'}`,
          `server: search_issues started ${searchIssuesStarts}, ` +
            `completed ${searchIssuesCompleted}, aborted ${searchIssuesAborted}`,
        ],
      };
    } finally {
      await proxy.close();
    }
  } finally {
    await server.close();
  }
}

/**
 * The arguments that make `npm run trace` record this scenario, defaults left out.
 *
 * @example
 * ```ts
 * scenarioArguments({ stage: '03', revision: '2025-11-25', dropAfter: 3 });
 * // ['03', '--revision', '2025-11-25', '--drop-after', '3']
 * ```
 */
export function scenarioArguments(scenario: TraceScenario): string[] {
  const args: string[] = [scenario.stage];
  if (scenario.revision && scenario.revision !== DEFAULT_REVISION[scenario.stage])
    args.push('--revision', scenario.revision);
  if (scenario.dropAfter) args.push('--drop-after', String(scenario.dropAfter));
  if (scenario.sessionless) args.push('--sessionless');
  if (scenario.instances) args.push('--instances', String(scenario.instances));
  return args;
}

/** The scenario options as `npm run trace` reads them (see {@link scenarioArguments}). */
export interface ScenarioOptions {
  /** `--revision`: the protocol version the client speaks. */
  revision?: string | undefined;
  /** `--drop-after`: cut the call's stream after this many progress notifications. */
  'drop-after'?: string | undefined;
  /** `--sessionless`: stage 03 without sessions. */
  sessionless?: boolean | undefined;
  /** `--instances`: stage 03 on Redis, this many instances behind the balancer. */
  instances?: string | undefined;
}

/**
 * Reads a scenario from command-line options, the inverse of {@link scenarioArguments}.
 * @throws on an unknown stage, an unknown revision, or an option the stage does not take.
 */
export function scenarioFromOptions(stage: string, options: ScenarioOptions): TraceScenario {
  if (!(STAGES as readonly string[]).includes(stage))
    throw new Error(`Unknown stage "${stage}": expected one of ${STAGES.join(', ')}`);
  const scenario: TraceScenario = { stage: stage as Stage };
  if (options.revision !== undefined) {
    if (!isSupportedVersion(options.revision))
      throw new Error(`Unknown --revision ${options.revision}`);
    if (options.revision !== DEFAULT_REVISION[scenario.stage]) scenario.revision = options.revision;
  }
  const dropAfter = Number(options['drop-after'] ?? 0);
  if (!Number.isInteger(dropAfter) || dropAfter < 0)
    throw new Error(`--drop-after takes a count of progress notifications, got ${dropAfter}`);
  if (dropAfter > 0) scenario.dropAfter = dropAfter;
  if (options.sessionless) scenario.sessionless = true;
  if (options.instances !== undefined) {
    const instances = Number(options.instances);
    if (!Number.isInteger(instances) || instances < 2)
      throw new Error(`--instances takes 2 or more, got ${options.instances}`);
    scenario.instances = instances;
  }
  checkScenario(scenario);
  return scenario;
}

/** Two scenarios record the same run when their arguments are the same. */
export function sameScenario(a: TraceScenario, b: TraceScenario): boolean {
  return scenarioArguments(a).join(' ') === scenarioArguments(b).join(' ');
}

/** Refuses options a stage's client does not have, rather than ignoring them. */
function checkScenario({
  stage,
  revision,
  dropAfter,
  sessionless,
  instances,
}: TraceScenario): void {
  if (stage === '02' && revision)
    throw new Error('Stage 02 is the 2024-11-05 transport: it takes no --revision');
  if (stage === '01' && dropAfter)
    throw new Error('Stage 01 reports no progress, so there is nothing to cut after');
  if (stage !== '03' && sessionless) throw new Error('--sessionless is a stage 03 server mode');
  if (instances && (stage !== '03' || sessionless))
    throw new Error('--instances shares stage 03 sessions on Redis: stage 03, with sessions');
}

async function startStageServer({
  stage,
  sessionless,
  instances,
}: TraceScenario): Promise<StageServer> {
  if (instances) return startCluster(instances);
  // The lab passes the demo tools in and reads their counters: the stage's server carries none.
  const { tools, stats } = createDemoTools();
  const server =
    stage === '01'
      ? await createPlainHttpServer({ port: 0, tools })
      : stage === '02'
        ? await createHttpSseServer({ port: 0, tools })
        : await createStreamableHttpServer({ port: 0, tools, sessionless: sessionless ?? false });
  return { url: server.url, stats: () => stats, close: () => server.close() };
}

/** Stage 03 instances on one private Redis behind the round-robin balancer, as one server. */
async function startCluster(instances: number): Promise<StageServer> {
  const redis = await startRedisServer();
  const demos = Array.from({ length: instances }, () => createDemoTools());
  const servers = await Promise.all(
    demos.map((demo) => createScaleOutServer({ port: 0, tools: demo.tools, redisUrl: redis.url })),
  );
  const balancer = await startBalancer({
    upstreams: servers.map((server) => new URL(server.url).origin),
  });
  return {
    url: `${balancer.url}/mcp`,
    stats: () => sumDemoToolStats(demos.map((demo) => demo.stats)),
    async close() {
      await balancer.close();
      await Promise.all(servers.map((server) => server.close()));
      await redis.stop();
    },
  };
}

/** What the client saw of the call: its result or none, and how much progress. */
interface ClientView {
  result: boolean;
  progress: number;
}

/** Runs the stage's own client against `url`. */
async function runStageClient(scenario: TraceScenario, url: string): Promise<ClientView> {
  const call = { pages: TRACE_PAGES, delayMs: TRACE_DELAY_MS };
  const dropAfter = scenario.dropAfter ? { dropAfter: scenario.dropAfter } : {};
  const protocolVersion = scenario.revision ?? DEFAULT_REVISION[scenario.stage];
  if (scenario.stage === '01') {
    const run = await runPlainHttpClient({
      url,
      ...call,
      ...(protocolVersion && { protocolVersion }),
    });
    return { result: run.resultText !== '', progress: run.progressReceived };
  }
  if (scenario.stage === '02') {
    const run = await runHttpSseClient({ url, ...call, ...dropAfter });
    return { result: run.resultText !== undefined, progress: run.progress.length };
  }
  const run = await runStreamableHttpClient({
    url,
    ...call,
    ...dropAfter,
    ...(protocolVersion && { protocolVersion }),
  });
  return { result: run.resultText !== undefined, progress: run.progress.length };
}

/** Waits until every started run of the tool has completed or aborted (a cut reaches the server late). */
async function toolsSettled(server: StageServer): Promise<void> {
  const settled = () => {
    const stats = server.stats();
    return stats.searchIssuesStarts === stats.searchIssuesCompleted + stats.searchIssuesAborted;
  };
  for (let waited = 0; !settled() && waited < SETTLE_MS; waited += 10)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

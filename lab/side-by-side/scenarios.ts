/**
 * The scenarios of the side-by-side comparison: each one runs against any
 * column through the driver interface and returns what it measured.
 *
 * Teaches: how to turn a claim about a transport ("SSE gives progress", "a
 * dropped stream loses the result", "sessions break round-robin") into a
 * number that a run produces. The verdicts and the table are built from
 * these numbers in rows.ts; nothing in the table is typed by hand.
 * Read next: columns.ts, which runs them for each stage.
 * @module
 */
import { startServerProcess } from '../deploy/server-process.ts';
import { isRedisServerInstalled, startRedisServer } from '../deploy/redis-server.ts';
import type { Progress } from '../../shared/protocol/mcp-client.ts';
import type { DemoToolStats } from '../../shared/demo/demo-tools.ts';
import type { Column, ColumnClient, Deployment } from './columns.ts';

/** The slow call every scenario makes: 10 pages, 40 ms each. */
export const PAGES = 10;
const PAGE_MS = 40;
const search = (pages = PAGES, delayMs = PAGE_MS) => ({ query: 'stream', pages, delayMs });

/** Deploys, runs, and always tears the deployment down. */
async function withDeployment<T>(
  deploying: Promise<Deployment>,
  run: (deployment: Deployment) => Promise<T>,
): Promise<T> {
  const deployment = await deploying;
  try {
    return await run(deployment);
  } finally {
    await deployment.close();
  }
}

/**
 * How long a scenario waits for the server to reach a state it must reach: far
 * longer than any step takes, so a busy machine slows a run down but never
 * changes its verdict; the bound only keeps a broken server from hanging it.
 */
const SETTLE_MS = 15_000;

/** Waits until `done()` or until `ms` have passed; returns whether it became true. Bounded, never hangs. */
async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return done();
}

/** Every tool run has ended (completed or aborted). */
const settled = (stats: DemoToolStats) =>
  stats.searchIssuesStarts === stats.searchIssuesCompleted + stats.searchIssuesAborted;

/** What the progress scenario measured. */
export interface ProgressMeasurement {
  /** Progress notifications that reached the client before the result. */
  received: number;
  /** When the first one arrived, as a fraction of the whole call (undefined: none did). */
  firstAtFraction: number | undefined;
}

/** A 10-page `search_issues`: how much progress arrives, and how early. */
export function measureProgress(column: Column): Promise<ProgressMeasurement> {
  return withDeployment(column.deploy(), async (deployment) => {
    const client = await column.connect(deployment.url);
    try {
      const arrivals: number[] = [];
      const started = performance.now();
      await client.search(search(), {
        onprogress: () => arrivals.push(performance.now() - started),
      });
      const total = performance.now() - started;
      return {
        received: arrivals.length,
        firstAtFraction: arrivals[0] === undefined ? undefined : arrivals[0] / total,
      };
    } finally {
      await client.close();
    }
  });
}

/** What the connection-cost scenario measured. */
export interface ConnectionMeasurement {
  /** TCP connections the server accepted for 20 sequential calls, with keep-alive. */
  keepAlive: number;
  /** The same without keep-alive. */
  withoutKeepAlive: number;
}

/** 20 sequential calls (with the connect and close around them): TCP connections the server accepted. */
export async function measureConnections(column: Column): Promise<ConnectionMeasurement> {
  const count = (keepAlive: boolean) =>
    withDeployment(column.deploy(), async (deployment) => {
      const client = await column.connect(deployment.url, { keepAlive });
      for (let call = 0; call < 20; call += 1) await client.echo(`call ${call}`);
      await client.close();
      return deployment.connectionsAccepted();
    });
  return { keepAlive: await count(true), withoutKeepAlive: await count(false) };
}

/** What the dropped-stream scenario measured. */
export interface DroppedStreamMeasurement {
  /** Whether the result reached the client. */
  delivered: boolean;
  /** Of the 10 progress values, how many never reached the client. */
  progressLost: number;
  /** How many times the tool started on the server. */
  toolRuns: number;
}

/**
 * The connection cut after 3 of 10 progress notifications (or, where none
 * can arrive, once the server has searched 3 pages): does the result still
 * arrive, and what did it cost?
 */
export function measureDroppedStream(column: Column): Promise<DroppedStreamMeasurement> {
  return withDeployment(column.deploy(), async (deployment) => {
    const client = await column.connect(deployment.url);
    const seen = new Set<number>();
    let cut = false;
    const cutOnce = (): void => {
      if (!cut) client.cut();
      cut = true;
    };
    // A transport that carries no progress is cut when the server has searched 3 pages: the
    // same point of the call, read from the tool's own counter rather than from a clock.
    const pagesBefore = deployment.stats().searchIssuesPages;
    const timer = setInterval(() => {
      if (seen.size === 0 && deployment.stats().searchIssuesPages - pagesBefore >= 3) cutOnce();
    }, 2);
    let delivered: boolean;
    try {
      await client.search(search(), {
        onprogress: ({ progress }: Progress) => {
          seen.add(progress);
          if (progress === 3) cutOnce();
        },
      });
      delivered = true;
    } catch {
      delivered = false;
    } finally {
      clearInterval(timer);
      await client.close().catch(() => {});
    }
    await waitFor(() => settled(deployment.stats()), SETTLE_MS);
    return {
      delivered,
      progressLost: PAGES - seen.size,
      toolRuns: deployment.stats().searchIssuesStarts,
    };
  });
}

/** What the cancellation scenario measured. */
export interface CancellationMeasurement {
  /** The client's explicit cancel (its protocol's way) stopped the running tool. */
  cancelStops: boolean;
  /** The client going away (its connections cut, nothing said) stopped the running tool. */
  goingAwayStops: boolean;
}

/** A long call, then an explicit cancel; another long call, then the client goes away. */
export async function measureCancellation(column: Column): Promise<CancellationMeasurement> {
  const stopsAfter = (act: (client: ColumnClient, abort: AbortController) => void) =>
    withDeployment(column.deploy(), async (deployment) => {
      const client = await column.connect(deployment.url);
      const abort = new AbortController();
      const call = client.search(search(50), { signal: abort.signal }).catch(() => undefined);
      await waitFor(() => deployment.stats().searchIssuesStarts === 1, SETTLE_MS);
      act(client, abort);
      // No clock decides the verdict: the tool either stops or runs its 50 pages to the end,
      // and whichever it does, the counters say so once it has.
      await waitFor(() => settled(deployment.stats()), SETTLE_MS);
      await call;
      return deployment.stats().searchIssuesAborted === 1;
    });
  return {
    cancelStops: await stopsAfter((_client, abort) =>
      abort.abort(new Error('cancelled by the user')),
    ),
    goingAwayStops: await stopsAfter((client) => client.cut()),
  };
}

/** What the scale-out scenario measured. */
export interface ScaleOutMeasurement {
  /** Of 20 calls from 5 clients through a round-robin balancer over 2 instances, how many succeeded. */
  roundRobin: number;
  /** The same with sticky routing. */
  sticky: number;
  /**
   * Stage 03 sessions only: round-robin again, the two instances keeping
   * sessions and events in one Redis. `undefined` where no `redis-server` is installed.
   */
  sharedRedis?: number;
  /** Stage 03 sessions only: with Redis, a stream cut mid-call is resumed on whichever instance the GET reaches. */
  resumeWithSharedRedis?: boolean;
}

/**
 * 5 clients, 4 calls each, through the balancer: round-robin, sticky, and
 * (sessions) shared state. The clients take turns, so round-robin's
 * alternation, and with it the outcome, is the same on every run.
 */
export async function measureScaleOut(column: Column): Promise<ScaleOutMeasurement> {
  const succeeded = (options: { sticky?: boolean; redisUrl?: string }) =>
    withDeployment(column.deploy({ instances: 2, ...options }), async (deployment) => {
      let ok = 0;
      for (let n = 0; n < 5; n += 1) {
        try {
          const client = await column.connect(deployment.url);
          for (let call = 0; call < 4; call += 1) {
            await client.echo(`client ${n} call ${call}`).then(
              () => (ok += 1),
              () => undefined,
            );
          }
          await client.close().catch(() => {});
        } catch {
          // A client that could not even connect made no successful call.
        }
      }
      return ok;
    });
  const measurement: ScaleOutMeasurement = {
    roundRobin: await succeeded({}),
    sticky: await succeeded({ sticky: true }),
  };
  if (column.id === '03-sessions' && isRedisServerInstalled()) {
    const redis = await startRedisServer();
    try {
      measurement.sharedRedis = await succeeded({ redisUrl: redis.url });
      measurement.resumeWithSharedRedis = await resumesAcrossInstances(column, redis.url);
    } finally {
      await redis.stop();
    }
  }
  return measurement;
}

/** A stream cut mid-call, resumed through the round-robin balancer: does the call still complete? */
function resumesAcrossInstances(column: Column, redisUrl: string): Promise<boolean> {
  return withDeployment(column.deploy({ instances: 2, redisUrl }), async (deployment) => {
    const client = await column.connect(deployment.url);
    try {
      await client.search(search(6, PAGE_MS), {
        onprogress: ({ progress }) => progress === 2 && client.cut(),
      });
      return true;
    } catch {
      return false;
    } finally {
      await client.close().catch(() => {});
    }
  });
}

/** What the idle-clients scenario measured. */
export interface IdleClientsMeasurement {
  /** How many idle clients were measured. */
  clients: number;
  /** Sessions the server holds per connected idle client. */
  sessionsPerClient: number;
  /** Open sockets on the server per connected idle client. */
  socketsPerClient: number;
  /** Server heap growth per connected idle client, in KiB (machine-dependent). */
  heapKiBPerClient: number;
}

/** 50 clients that connected, made one call and went idle, measured from outside the server's process. */
export async function measureIdleClients(column: Column): Promise<IdleClientsMeasurement> {
  const clients = 50;
  const server = await startServerProcess(column.process.script, column.process.env ?? {});
  const connected: ColumnClient[] = [];
  try {
    // One client first, so the server's one-time start-up costs do not count as per-client state.
    const warmUp = await column.connect(server.url);
    await warmUp.echo('warm-up');
    await warmUp.close();
    // Its socket closes a moment after close() returns: wait, or that close counts against the clients.
    let before = await server.diagnostics();
    for (let waited = 0; (before.counters.openSockets ?? 0) > 0 && waited < 2_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      before = await server.diagnostics();
    }
    for (let n = 0; n < clients; n += 1) {
      const client = await column.connect(server.url);
      await client.echo('hello');
      connected.push(client);
    }
    const during = await server.diagnostics();
    const per = (key: string) =>
      ((during.counters[key] ?? 0) - (before.counters[key] ?? 0)) / clients;
    return {
      clients,
      sessionsPerClient: per('sessions'),
      socketsPerClient: per('openSockets'),
      heapKiBPerClient: (during.memory.heapUsed - before.memory.heapUsed) / clients / 1024,
    };
  } finally {
    await Promise.all(connected.map((client) => client.close().catch(() => {})));
    await server.stop();
  }
}

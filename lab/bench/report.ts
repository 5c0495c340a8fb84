/**
 * The bench's figures, summarised: medians over the rounds, ratios to the
 * raw-HTTP limit, the course's goals checked as ratios measured in one run,
 * and the Markdown that `npm run bench` prints and `--write` saves.
 * Read next: ../../docs/05-performance.md, the chapter that reads these
 * figures.
 * @module
 */
import { LIMIT_ID, PROGRESS_PAGE_MS, TARGETS } from './targets.ts';

/** The concurrencies throughput is measured at. */
export const CONCURRENCY = [1, 50] as const;

interface Measured {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuMicrosPerRequest: number;
  connections: number;
}

/** Everything one run measured. */
export interface Samples {
  throughput: Array<Measured & { target: string; round: number; concurrency: number }>;
  sequential: Array<Measured & { target: string; round: number; keepAlive: boolean }>;
  heap: Array<{ target: string; bytesPerCall: number; calls: number }>;
  progress: Array<{ target: string; firstProgressMs: number; resultMs: number }>;
  idle: Array<{
    target: string;
    clients: number;
    heapBytesPerClient: number;
    rssBytesPerClient: number;
    sessions: number;
  }>;
  /** Redis targets: Redis's own counters over the sequential calls with keep-alive. */
  redis: Array<{ target: string; roundTripsPerCall: number; commandsPerCall: number }>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The medians of one target's figures. */
function medians(samples: Measured[]) {
  return {
    requestsPerSecond: median(samples.map((s) => s.requestsPerSecond)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    cpuMicrosPerRequest: median(samples.map((s) => s.cpuMicrosPerRequest)),
    connections: median(samples.map((s) => s.connections)),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

/** The medians, per target. */
export function summarise(samples: Samples) {
  const measured = TARGETS.filter((target) =>
    samples.throughput.some((s) => s.target === target.id),
  );
  return measured.map((target) => ({
    target,
    throughput: CONCURRENCY.map((concurrency) => ({
      concurrency,
      ...medians(
        samples.throughput.filter((s) => s.target === target.id && s.concurrency === concurrency),
      ),
    })),
    sequential: [true, false].map((keepAlive) => ({
      keepAlive,
      ...medians(
        samples.sequential.filter((s) => s.target === target.id && s.keepAlive === keepAlive),
      ),
    })),
    heapBytesPerCall: samples.heap.find((s) => s.target === target.id)?.bytesPerCall,
    idle: samples.idle.filter((s) => s.target === target.id),
    firstProgressMs: median(
      samples.progress.filter((s) => s.target === target.id).map((s) => s.firstProgressMs),
    ),
    resultMs: median(samples.progress.filter((s) => s.target === target.id).map((s) => s.resultMs)),
    redisRoundTripsPerCall: median(
      samples.redis.filter((s) => s.target === target.id).map((s) => s.roundTripsPerCall),
    ),
    redisCommandsPerCall: median(
      samples.redis.filter((s) => s.target === target.id).map((s) => s.commandsPerCall),
    ),
  }));
}

type Summary = ReturnType<typeof summarise>;

const ratio = (value: number, base: number | undefined) =>
  base === undefined || !Number.isFinite(base) ? '' : ` (${(value / base).toFixed(2)}×)`;
const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;

function throughputTable(summary: Summary): string {
  const limit = summary.find((s) => s.target.id === LIMIT_ID);
  const lines = [
    row([
      'Server',
      'Concurrency',
      'Requests/s (× limit)',
      'p50 ms',
      'p99 ms',
      'Server CPU µs/request (× limit)',
      'Errors',
    ]),
    row(Array<string>(7).fill('---')),
  ];
  for (const { target, throughput } of summary) {
    throughput.forEach((t, i) => {
      const base = limit?.throughput[i];
      lines.push(
        row([
          target.title,
          t.concurrency,
          `${Math.round(t.requestsPerSecond)}${ratio(t.requestsPerSecond, base?.requestsPerSecond)}`,
          t.p50Ms.toFixed(1),
          t.p99Ms.toFixed(1),
          `${Math.round(t.cpuMicrosPerRequest)}${ratio(t.cpuMicrosPerRequest, base?.cpuMicrosPerRequest)}`,
          t.errors,
        ]),
      );
    });
  }
  return lines.join('\n');
}

function sequentialTable(summary: Summary): string {
  const lines = [
    row([
      'Server',
      'Keep-alive',
      'Calls/s',
      'p50 ms',
      'p99 ms',
      'TCP connections',
      'Heap growth per call (bytes)',
    ]),
    row(Array<string>(7).fill('---')),
  ];
  for (const { target, sequential, heapBytesPerCall } of summary) {
    for (const s of sequential) {
      lines.push(
        row([
          target.title,
          s.keepAlive ? 'on' : 'off',
          Math.round(s.requestsPerSecond),
          s.p50Ms.toFixed(3),
          s.p99Ms.toFixed(3),
          s.connections,
          s.keepAlive && heapBytesPerCall !== undefined ? Math.round(heapBytesPerCall) : '',
        ]),
      );
    }
  }
  return lines.join('\n');
}

function progressTable(summary: Summary): string {
  const lines = [
    row([
      'Server',
      'First progress ms',
      'Result ms',
      `First progress in pages (${PROGRESS_PAGE_MS} ms each)`,
    ]),
    row(Array<string>(4).fill('---')),
  ];
  for (const { target, firstProgressMs, resultMs } of summary) {
    if (Number.isNaN(firstProgressMs)) continue;
    lines.push(
      row([
        target.title,
        firstProgressMs.toFixed(1),
        resultMs.toFixed(1),
        (firstProgressMs / PROGRESS_PAGE_MS).toFixed(2),
      ]),
    );
  }
  return lines.join('\n');
}

function idleTable(summary: Summary): string {
  const lines = [
    row(['Server', 'Idle clients', 'Sessions held', 'Heap KiB per client', 'RSS KiB per client']),
    row(Array<string>(5).fill('---')),
  ];
  for (const { target, idle } of summary) {
    for (const s of idle) {
      lines.push(
        row([
          target.title,
          s.clients,
          s.sessions,
          (s.heapBytesPerClient / 1024).toFixed(1),
          (s.rssBytesPerClient / 1024).toFixed(1),
        ]),
      );
    }
  }
  return lines.join('\n');
}

/** Stage 03's sessions on Redis against the same in memory: what sharing state costs per call. */
function sharedStateTable(summary: Summary): string {
  const inMemory = find(summary, '03-sse');
  const onRedis = find(summary, '03-redis-sse');
  if (!inMemory || !onRedis) return 'Not measured in this run (no redis-server installed).';
  const lines = [
    row([
      'Stage 03 sessions, SSE answer',
      'Requests/s at 1 (× in memory)',
      'Requests/s at 50 (× in memory)',
      'p50 ms at 1',
      'p99 ms at 1',
      'Server CPU µs/request at 50 (× in memory)',
      'Redis round trips per call',
      'Redis commands per call',
    ]),
    row(Array<string>(8).fill('---')),
  ];
  for (const [name, s] of [
    ['in memory', inMemory],
    ['on Redis', onRedis],
  ] as const) {
    const [c1, c50] = s.throughput;
    const [base1, base50] = inMemory.throughput;
    if (!c1 || !c50 || !base1 || !base50) continue;
    lines.push(
      row([
        name,
        `${Math.round(c1.requestsPerSecond)}${ratio(c1.requestsPerSecond, base1.requestsPerSecond)}`,
        `${Math.round(c50.requestsPerSecond)}${ratio(c50.requestsPerSecond, base50.requestsPerSecond)}`,
        c1.p50Ms.toFixed(2),
        c1.p99Ms.toFixed(2),
        `${Math.round(c50.cpuMicrosPerRequest)}${ratio(c50.cpuMicrosPerRequest, base50.cpuMicrosPerRequest)}`,
        Number.isNaN(s.redisRoundTripsPerCall) ? '0' : s.redisRoundTripsPerCall.toFixed(1),
        Number.isNaN(s.redisCommandsPerCall) ? '0' : s.redisCommandsPerCall.toFixed(1),
      ]),
    );
  }
  return lines.join('\n');
}

/** A goal of the course: a ratio between two targets' figures, measured in this run. */
interface Goal {
  text: string;
  measured(summary: Summary): number | undefined;
  /** True when the measured ratio meets the goal. */
  met(value: number): boolean;
}

const find = (summary: Summary, id: string) => summary.find((s) => s.target.id === id);
const at50 = (summary: Summary, id: string) =>
  find(summary, id)?.throughput.find((t) => t.concurrency === 50);
const throughputRatio = (a: string, b: string) => (summary: Summary) => {
  const [x, y] = [at50(summary, a), at50(summary, b)];
  return x && y ? x.requestsPerSecond / y.requestsPerSecond : undefined;
};

const GOALS: Goal[] = [
  {
    text: 'stage 03 throughput ≥ 0.8× plain express (concurrency 50)',
    measured: throughputRatio('03-json', 'express'),
    met: (v) => v >= 0.8,
  },
  {
    text: 'stage 03 CPU per request ≤ 1.25× plain express (the inverse of 0.8×)',
    measured: (summary) => {
      const [x, y] = [at50(summary, '03-json'), at50(summary, 'express')];
      return x && y ? x.cpuMicrosPerRequest / y.cpuMicrosPerRequest : undefined;
    },
    met: (v) => v <= 1.25,
  },
  {
    text: 'stage 03 sessions ≥ 1.5× the SDK v1 stateful server',
    measured: throughputRatio('03-json', 'sdk1-json'),
    met: (v) => v >= 1.5,
  },
  {
    text: 'stage 03 sessionless ≥ 2.5× the SDK v1 sessionless server',
    measured: throughputRatio('03-sessionless-json', 'sdk1-sessionless'),
    met: (v) => v >= 2.5,
  },
  {
    text: 'stage 03 2026-07-28 ≥ 1.5× the SDK v2 2026-07-28 handler',
    measured: throughputRatio('03-2026', 'sdk2-2026'),
    met: (v) => v >= 1.5,
  },
  {
    text: 'stage 03 p99 at concurrency 1 ≤ 0.5× the SDK v1 stateful server (1,000 calls in a row)',
    measured: (summary) => {
      const [x, y] = [
        find(summary, '03-json')?.sequential[0],
        find(summary, 'sdk1-json')?.sequential[0],
      ];
      return x && y ? x.p99Ms / y.p99Ms : undefined;
    },
    met: (v) => v <= 0.5,
  },
  {
    text: 'stage 03 heap growth per call on one session: 0 bytes (≤ 100 as noise)',
    measured: (summary) => find(summary, '03-json')?.heapBytesPerCall,
    met: (v) => v <= 100,
  },
  {
    text: 'stage 03: at most 15 KiB of heap per idle session with its GET stream (the most idle clients measured)',
    measured: (summary) => {
      const idle = find(summary, '03-json')?.idle.at(-1);
      return idle ? idle.heapBytesPerClient / 1024 : undefined;
    },
    met: (v) => v <= 15,
  },
  {
    text: 'stage 03: the first progress notification within one tool page of the call (in pages; ≤ 1.5 allows for the round trip)',
    measured: (summary) => {
      const first = find(summary, '03-json')?.firstProgressMs;
      return first === undefined || Number.isNaN(first) ? undefined : first / PROGRESS_PAGE_MS;
    },
    met: (v) => v <= 1.5,
  },
  {
    text: 'stage 03: one TCP connection per client with keep-alive (1,000 calls)',
    measured: (summary) => find(summary, '03-json')?.sequential[0]?.connections,
    met: (v) => v === 1,
  },
];

function goalsTable(summary: Summary): string {
  const lines = [row(['Goal', 'Measured', 'Met']), row(['---', '---', '---'])];
  for (const goal of GOALS) {
    const value = goal.measured(summary);
    lines.push(
      row([
        goal.text,
        value === undefined ? 'not measured' : value.toFixed(2),
        value === undefined ? '–' : goal.met(value) ? '✓' : '✗',
      ]),
    );
  }
  return lines.join('\n');
}

/** The whole report, as `npm run bench` prints it and `--write` saves it. */
export function performanceDocument(summary: Summary, machine: string): string {
  return `---
title: The performance tables, measured
---

# The performance tables, measured

Generated by \`npm run bench -- --write\` (lab/bench/run.ts); do not edit by hand. Measured on ${machine}.
[Chapter 05](05-performance.md) explains the figures.

## Throughput and latency

${throughputTable(summary)}

## 1,000 calls in a row, and heap growth per call

${sequentialTable(summary)}

## Progress: a 10-page search_issues, where the transport carries progress

${progressTable(summary)}

## Idle clients: what each connected client costs the server

${idleTable(summary)}

## Sharing state: stage 03 sessions on Redis against in memory

A call answered on a resumable SSE stream (\`echo\` with a progress token: priming event and result, each stored), through one session.

${sharedStateTable(summary)}

## The course's goals, as ratios measured in this run

${goalsTable(summary)}
`;
}

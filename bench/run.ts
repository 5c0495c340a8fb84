/**
 * `npm run bench`: throughput, latency and server CPU per request for the
 * course's servers, plain express, the raw-HTTP limit and the official SDKs,
 * side by side in one run.
 *
 * How it keeps a shared 2-core machine honest: every server runs as its own
 * process and the load comes from another (load.ts); the targets are measured
 * in interleaved rounds, so noise falls on all of them alike; every figure is
 * the median of the rounds; and every figure is also given as a ratio to the
 * raw-HTTP limit measured in the same run. CPU time per request is read from
 * the server process itself (`process.cpuUsage()` over IPC): it is the least
 * noisy figure, because the load generator's CPU does not count.
 *
 * `--quick`: one short round (a smoke test). `--json FILE`: the raw figures.
 * @module
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { MetaKey } from '../shared/versions.ts';
import { startServerProcess, type ServerProcess } from '../shared/server-process.ts';
import { progressBar, startSpinner } from '../shared/terminal.ts';
import type { LoadResult, LoadSpec } from './load.ts';
import { LIMIT_ID, TARGETS, type Target } from './targets.ts';

const run = promisify(execFile);
const LOAD_SCRIPT = new URL('./load.ts', import.meta.url).pathname;
const CONCURRENCY = [1, 50] as const;
/** Where `--write` puts the table. */
const PERFORMANCE_FILE = new URL('../docs/performance.md', import.meta.url);

/** One measurement of one target at one concurrency, in one round. */
export interface Sample extends LoadResult {
  target: string;
  concurrency: number;
  round: number;
  /** Server CPU time (user + system) per request, in µs. */
  cpuMicrosPerRequest: number;
}

const ECHO = { name: 'echo', arguments: { text: 'hello' } };

/** Turns a target into what the load generator needs: the URL, the headers, the body. */
async function loadSpec(
  target: Target,
  url: string,
): Promise<Omit<LoadSpec, 'connections' | 'durationSeconds'>> {
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

/** `initialize` and `notifications/initialized`; returns the session id. */
async function openSession(url: string): Promise<string> {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    }),
  });
  const sessionId = response.headers.get('mcp-session-id');
  await response.text();
  if (!sessionId)
    throw new Error(`${url}: initialize gave no Mcp-Session-Id (HTTP ${response.status})`);
  const initialized = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();
  return sessionId;
}

async function measure(
  spec: LoadSpec,
  server: ServerProcess,
): Promise<LoadResult & { cpuMicrosPerRequest: number }> {
  const before = await server.diagnostics();
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', LOAD_SCRIPT, JSON.stringify(spec)],
    {
      timeout: (spec.durationSeconds + 60) * 1000,
    },
  );
  const after = await server.diagnostics();
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as LoadResult;
  const cpu = after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
  return { ...result, cpuMicrosPerRequest: result.requests ? cpu / result.requests : Number.NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The median of each figure, per target and concurrency. */
export function summarise(samples: readonly Sample[]) {
  return TARGETS.filter((target) => samples.some((s) => s.target === target.id)).flatMap((target) =>
    CONCURRENCY.map((concurrency) => {
      const mine = samples.filter((s) => s.target === target.id && s.concurrency === concurrency);
      return {
        target,
        concurrency,
        requestsPerSecond: median(mine.map((s) => s.requestsPerSecond)),
        p50Ms: median(mine.map((s) => s.p50Ms)),
        p99Ms: median(mine.map((s) => s.p99Ms)),
        cpuMicrosPerRequest: median(mine.map((s) => s.cpuMicrosPerRequest)),
        errors: mine.reduce((sum, s) => sum + s.errors, 0),
      };
    }),
  );
}

/** The summary as a Markdown table, each figure with its ratio to the raw-HTTP limit. */
export function table(summary: ReturnType<typeof summarise>): string {
  const limit = (concurrency: number) =>
    summary.find((row) => row.target.id === LIMIT_ID && row.concurrency === concurrency);
  const lines = [
    '| Server | Concurrency | Requests/s (× limit) | p50 ms | p99 ms | Server CPU µs/request (× limit) | Errors |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const ratio = (value: number, base: number | undefined) =>
    base === undefined ? '' : ` (${(value / base).toFixed(2)}×)`;
  for (const row of summary) {
    const base = limit(row.concurrency);
    lines.push(
      `| ${row.target.title} | ${row.concurrency} | ` +
        `${Math.round(row.requestsPerSecond)}${ratio(row.requestsPerSecond, base?.requestsPerSecond)} | ` +
        `${row.p50Ms.toFixed(1)} | ${row.p99Ms.toFixed(1)} | ` +
        `${Math.round(row.cpuMicrosPerRequest)}${ratio(row.cpuMicrosPerRequest, base?.cpuMicrosPerRequest)} | ${row.errors} |`,
    );
  }
  return lines.join('\n');
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
  // --only raw-http,03-json: a subset, for a quick look at one server against the limit.
  const wanted = values.only?.split(',');
  const targets = TARGETS.filter((target) => !wanted || wanted.includes(target.id));
  const rounds = values.quick ? 1 : 3;
  const durationSeconds = values.quick ? 1 : 2;
  const line = startSpinner('starting servers');
  const servers = new Map<string, ServerProcess>();
  const specs = new Map<string, Omit<LoadSpec, 'connections' | 'durationSeconds'>>();
  const samples: Sample[] = [];
  try {
    for (const target of targets) {
      line.update(`starting ${target.title}`);
      const server = await startServerProcess(target.script, target.env ?? {}, target.args ?? []);
      servers.set(target.id, server);
      specs.set(target.id, await loadSpec(target, server.url));
    }
    const steps = rounds * targets.length * CONCURRENCY.length;
    let done = 0;
    for (let round = 1; round <= rounds; round += 1) {
      // Interleaved: each round visits every target, so a noisy moment hits them all alike.
      for (const target of targets) {
        for (const concurrency of CONCURRENCY) {
          line.update(
            `${progressBar(done, steps)} round ${round}/${rounds}: ${target.title}, concurrency ${concurrency}`,
          );
          const spec = { ...specs.get(target.id)!, connections: concurrency, durationSeconds };
          const result = await measure(spec, servers.get(target.id)!);
          samples.push({ target: target.id, concurrency, round, ...result });
          done += 1;
        }
      }
    }
  } finally {
    line.stop();
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }
  const summary = summarise(samples);
  const machine =
    `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ` +
    `median of ${rounds} interleaved round(s) of ${durationSeconds} s per figure`;
  console.log(`Measured on ${machine}.\n`);
  console.log(table(summary));
  if (values.write) {
    await writeFile(
      PERFORMANCE_FILE,
      `---\ntitle: The performance table, measured\n---\n\n# The performance table, measured\n\n` +
        `Generated by \`npm run bench -- --write\` (bench/run.ts); do not edit by hand. Measured on ${machine}. ` +
        `[Chapter 05](05-performance.md) explains the figures.\n\n${table(summary)}\n`,
    );
    console.log(`\nwrote ${PERFORMANCE_FILE.pathname}`);
  }
  if (values.json) {
    await writeFile(
      values.json,
      JSON.stringify({ rounds, durationSeconds, samples, summary }, null, 2),
    );
    console.log(`\nwrote ${values.json}`);
  }
}

await main();

/**
 * The load generator of `npm run bench`, run as a process of its own so that
 * it does not share a CPU budget or an event loop with the server it measures.
 *
 * Two ways to load a server, chosen by the target's protocol:
 * - request/response (JSON or an SSE answer on the POST): autocannon, a
 *   well-kept HTTP benchmarking tool, sending `tools/call echo` with a fresh
 *   JSON-RPC id per request;
 * - the 2024-11-05 HTTP+SSE transport, whose answers arrive on another
 *   connection: MCP clients (the course's stage 02 client), one per
 *   concurrent caller, timing each call from POST to answer on the stream.
 *
 * Input: a {@link LoadSpec} per IPC message. Output: a {@link LoadResult} per message.
 * Read next: report.ts, which summarises what this measures.
 * @module
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import autocannon from 'autocannon';
import { Agent, fetch as undiciFetch } from 'undici';
import { SseClientTransport } from '../../02-http-sse/client-transport.ts';
import { StreamableHttpClientTransport } from '../../03-streamable-http/client-transport.ts';
import { fetchWithoutKeepAlive } from '../support/keep-alive.ts';
import { McpClient } from '../../shared/protocol/mcp-client.ts';
import type { ProtocolVersion } from '../../shared/protocol/versions.ts';
import { openSession } from './session.ts';
import { PROGRESS_PAGE_MS } from './targets.ts';

/** What to load, how hard, for how long. */
export interface LoadSpec {
  /**
   * `http`: autocannon for `durationSeconds` (or `amount` requests); `sse-transport`: MCP
   * clients; `sequential`: one caller, `amount` calls one after another, timed to the microsecond;
   * `hold`: `amount` more idle clients, kept open; `release`: close them all; `progress`: one
   * 10-page `search_issues` through the stage's own client, timing its first progress and its result.
   */
  kind: 'http' | 'sse-transport' | 'sequential' | 'hold' | 'release' | 'progress';
  /** For `sequential` (and `http` when set): how many calls. */
  amount?: number;
  /** For `sequential`: reuse one connection (true) or ask for a new one per call (false). */
  keepAlive?: boolean;
  /** For `sequential` against an HTTP+SSE server: talk the 2024-11-05 transport. */
  sseTransport?: boolean;
  /** For `progress`: the protocol version to speak (a handshake version, or 2026-07-28). */
  protocolVersion?: ProtocolVersion;
  url: string;
  /** Extra request headers (session id, protocol version, 2026 metadata). */
  headers?: Record<string, string>;
  /** The request body with `"id":0`, which is replaced by a fresh id per request. */
  body?: string;
  connections: number;
  durationSeconds: number;
}

/** What one load run measured. */
export interface LoadResult {
  /** For `progress`: ms from the call to its first progress notification, and to its result. */
  firstProgressMs?: number;
  resultMs?: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function loadHttp(spec: LoadSpec): Promise<LoadResult> {
  let next = 1;
  const template = spec.body ?? '';
  const result = await autocannon({
    url: spec.url,
    method: 'POST',
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationSeconds }),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...spec.headers,
    },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: template.replace('"id":0', `"id":${next++}`),
        }),
      },
    ],
  });
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** What a run of timed calls measured: count, rate since `started`, median and 99th percentile. */
function timedCallsResult(latencies: number[], errors: number, started: number): LoadResult {
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    errors,
  };
}

/** One caller, `amount` calls in a row: the round trip as one client sees it. */
async function loadSequential(spec: LoadSpec): Promise<LoadResult> {
  const amount = spec.amount ?? 1000;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  if (spec.sseTransport) {
    const client = await connectSseClient(
      spec.url,
      spec.keepAlive === false ? { fetch: fetchWithoutKeepAlive } : {},
    );
    for (let call = 0; call < amount; call += 1) {
      const before = performance.now();
      await client.callTool('echo', { text: 'hello' }).then(
        () => latencies.push(performance.now() - before),
        () => (errors += 1),
      );
    }
    await client.close();
  } else {
    // One connection, reused (keep-alive), or a new one for every call.
    const agent = new Agent({ connections: 1 });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...spec.headers,
      ...(spec.keepAlive === false ? { connection: 'close' } : {}),
    };
    for (let call = 1; call <= amount; call += 1) {
      const before = performance.now();
      const body = (spec.body ?? '').replace('"id":0', `"id":${call}`);
      const response = await undiciFetch(spec.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
      });
      await response.text();
      if (response.ok) latencies.push(performance.now() - before);
      else errors += 1;
    }
    await agent.close();
  }
  return timedCallsResult(latencies, errors, started);
}

/** An MCP client on the 2024-11-05 HTTP+SSE transport, connected (stream open, session initialized). */
async function connectSseClient(
  url: string,
  options: { fetch?: typeof fetch } = {},
): Promise<McpClient> {
  const transport = new SseClientTransport(url, options);
  await transport.start();
  const client = new McpClient({
    transport,
    clientInfo: { name: 'bench', version: '1' },
    protocolVersion: '2025-11-25',
  });
  await client.connect();
  return client;
}

async function loadSseTransport(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + spec.durationSeconds * 1000;
  const caller = async (): Promise<void> => {
    const client = await connectSseClient(spec.url);
    while (performance.now() < end) {
      const started = performance.now();
      try {
        await client.callTool('echo', { text: 'hello' });
        latencies.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
    await client.close();
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: spec.connections }, caller));
  return timedCallsResult(latencies, errors, started);
}

/**
 * Idle clients, held open until released: for a session server, `initialize`
 * then the session's GET stream; for an HTTP+SSE server, its GET /sse stream.
 * Plain `node:http` with no agent, so every client has a socket of its own
 * and costs this process as little as possible.
 */
const held: ClientRequest[] = [];

async function holdIdleClients(spec: LoadSpec): Promise<LoadResult> {
  const amount = spec.amount ?? 0;
  for (let client = 0; client < amount; client += 1) {
    if (spec.sseTransport) {
      await openStream(spec.url, {});
    } else {
      const sessionId = await openSession(spec.url, 'idle');
      await openStream(spec.url, {
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      });
    }
  }
  return { requests: amount, requestsPerSecond: 0, p50Ms: 0, p99Ms: 0, errors: 0 };
}

function openStream(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { agent: false, headers: { accept: 'text/event-stream', ...headers } },
      (res) => {
        res.on('error', () => {});
        res.resume();
      },
    );
    req.on('error', reject);
    // Sent is enough: some servers (the SDK's) send no headers on a stream until its first
    // message. run.ts gives the server a moment to take the requests in before measuring.
    req.end(() => resolve());
    held.push(req);
  });
}

function releaseIdleClients(): Promise<LoadResult> {
  for (const req of held.splice(0)) req.destroy();
  return Promise.resolve({ requests: 0, requestsPerSecond: 0, p50Ms: 0, p99Ms: 0, errors: 0 });
}

/** One 10-page search through the stage's own client: when the first progress and the result arrive. */
async function measureProgress(spec: LoadSpec): Promise<LoadResult> {
  const transport = spec.sseTransport
    ? new SseClientTransport(spec.url)
    : new StreamableHttpClientTransport(spec.url);
  if (transport instanceof SseClientTransport) await transport.start();
  const client = new McpClient({
    transport,
    clientInfo: { name: 'bench', version: '1' },
    protocolVersion: spec.protocolVersion ?? '2025-11-25',
  });
  await client.connect();
  let firstProgressMs: number | undefined;
  const started = performance.now();
  await client.callTool(
    'search_issues',
    { query: 'x', pages: 10, delayMs: PROGRESS_PAGE_MS },
    {
      onprogress: () => (firstProgressMs ??= performance.now() - started),
    },
  );
  const resultMs = performance.now() - started;
  await client.close();
  return {
    requests: 1,
    requestsPerSecond: 0,
    p50Ms: 0,
    p99Ms: 0,
    errors: 0,
    firstProgressMs,
    resultMs,
  };
}

const loaders = {
  progress: measureProgress,
  http: loadHttp,
  'sse-transport': loadSseTransport,
  sequential: loadSequential,
  hold: holdIdleClients,
  release: releaseIdleClients,
};

// Forked by run.ts: one load generator for the whole run, taking one spec at a time over IPC
// (starting a process per measurement would cost more than some measurements take).
process.on('message', (spec: LoadSpec) => {
  loaders[spec.kind](spec).then(
    (result) => process.send?.({ result }),
    (error: unknown) =>
      process.send?.({ error: error instanceof Error ? error.message : String(error) }),
  );
});

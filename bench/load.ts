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
 * Input: one JSON argument (a {@link LoadSpec}). Output: one JSON line (a {@link LoadResult}).
 * @module
 */
import autocannon from 'autocannon';
import { SseClientTransport } from '../02-http-sse/client.ts';
import { McpClient } from '../shared/mcp-client.ts';

/** What to load, how hard, for how long. */
export interface LoadSpec {
  kind: 'http' | 'sse-transport';
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
    duration: spec.durationSeconds,
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

async function loadSseTransport(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + spec.durationSeconds * 1000;
  const caller = async (): Promise<void> => {
    const transport = new SseClientTransport(spec.url);
    await transport.start();
    const client = new McpClient({
      transport,
      clientInfo: { name: 'bench', version: '1' },
      protocolVersion: '2025-11-25',
    });
    await client.connect();
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

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const result = spec.kind === 'sse-transport' ? await loadSseTransport(spec) : await loadHttp(spec);
process.stdout.write(`${JSON.stringify(result)}\n`);

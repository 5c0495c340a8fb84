/**
 * The five columns of the side-by-side comparison, each behind one driver
 * interface: start a deployment (one instance, or two behind the balancer),
 * connect a client, call, cut, close.
 *
 * Teaches: that the stages differ only in transport. Every column runs the
 * same demo tools through the same MCP cores; what a scenario measures here is
 * the transport, and nothing else.
 * Like the rest of `lab/`, it imports the stages from outside, to run and
 * compare them; no stage imports it. Each instance serves its own demo tools,
 * whose counters the comparison reads: the stages' servers carry none.
 * Read next: rows.ts, what each column shows.
 * @module
 */
import { createPlainHttpServer } from '../../01-plain-http/server.ts';
import { PlainHttpClientTransport } from '../../01-plain-http/client-transport.ts';
import { SseClientTransport } from '../../02-http-sse/client-transport.ts';
import { createHttpSseServer } from '../../02-http-sse/server.ts';
import { StreamableHttpClientTransport } from '../../03-streamable-http/client-transport.ts';
import { resendIfStreamLost } from '../../03-streamable-http/client.ts';
import { createStreamableHttpServer } from '../../03-streamable-http/server.ts';
import { createScaleOutServer } from '../../03-streamable-http/scale-out/server.ts';
import { startBalancer } from '../deploy/balancer.ts';
import {
  createDemoTools,
  sumDemoToolStats,
  type DemoToolStats,
  type SearchIssuesArgs,
} from '../../shared/demo/demo-tools.ts';
import {
  McpClient,
  type ClientTransport,
  type Progress,
} from '../../shared/protocol/mcp-client.ts';
import { fetchWithoutKeepAlive } from '../support/keep-alive.ts';
import type { CallToolResult } from '../../shared/protocol/tools.ts';
import type { ProtocolVersion } from '../../shared/protocol/versions.ts';

/** Which column. */
export type ColumnId = '01' | '02' | '03-sessions' | '03-sessionless' | '03-2026';

/** How to deploy a column. */
export interface DeployOptions {
  /** Two instances behind the round-robin balancer, or one on its own (the default). */
  instances?: 1 | 2;
  /** With two instances: route a session's requests to the instance that created it. */
  sticky?: boolean;
  /** With two instances: keep sessions and events in this Redis, shared by both (stage 03 sessions only). */
  redisUrl?: string;
}

/** A running deployment of one column. */
export interface Deployment {
  /** Where clients connect: the server, or the balancer in front of two. */
  url: string;
  /** The demo tools' counters, added up over the instances. */
  stats(): DemoToolStats;
  /** TCP connections the instances accepted so far. */
  connectionsAccepted(): number;
  /** Stops the balancer and the instances. */
  close(): Promise<void>;
}

/** A connected client of one column. */
export interface ColumnClient {
  /** Calls `search_issues`. A 2026-07-28 client re-sends the call when its stream is lost, as the revision requires. */
  search(
    args: SearchIssuesArgs,
    options?: { onprogress?: (p: Progress) => void; signal?: AbortSignal },
  ): Promise<CallToolResult>;
  /** Calls `echo`: a quick call with nothing to report on the way. */
  echo(text: string): Promise<void>;
  /** Cuts the connections carrying calls, as a network failure would. */
  cut(): void;
  /** Ends the client (and its session, where there is one). */
  close(): Promise<void>;
}

/** One column of the comparison. */
export interface Column {
  /** The column's key in the rows' expectations. */
  id: ColumnId;
  /** The column's heading in the table. */
  title: string;
  /** The HTTP endpoints the transport needs. */
  endpoints: string[];
  /** The stage's server script and environment, for measurements from outside its process. */
  process: {
    /** The server's entry point, run with tsx. */
    script: string;
    /** Extra environment, e.g. `SESSIONLESS=1`. */
    env?: Record<string, string>;
    /** Extra command-line arguments. */
    args?: string[];
  };
  /** Starts the column's server in this process: one instance, or two behind the balancer. */
  deploy(options?: DeployOptions): Promise<Deployment>;
  /** Connects the column's own client (handshake or not, as its transport needs). */
  connect(url: string, options?: { keepAlive?: boolean }): Promise<ColumnClient>;
}

const clientInfo = { name: 'side-by-side', version: '1.0.0' };
/** How long a resuming client waits: short, so comparisons run fast; the behaviour is the same. */
const RETRY_MS = 50;

interface Instance {
  url: string;
  readonly connections: number;
  close(): Promise<void>;
}

/** The demo tools one instance serves; the lab keeps their counters, the server carries none. */
type DemoTools = ReturnType<typeof createDemoTools>['tools'];

/** Starts one instance, or two behind the balancer; `path` is the endpoint clients open. */
async function deployInstances(
  start: (tools: DemoTools) => Promise<Instance>,
  path: string,
  { instances = 1, sticky = false }: DeployOptions,
): Promise<Deployment> {
  const demos = Array.from({ length: instances }, () => createDemoTools());
  const servers = await Promise.all(demos.map((demo) => start(demo.tools)));
  const balancer =
    instances === 1
      ? undefined
      : await startBalancer({ upstreams: servers.map((s) => new URL(s.url).origin), sticky });
  return {
    url: balancer ? `${balancer.url}${path}` : (servers[0] as Instance).url,
    stats: () => sumDemoToolStats(demos.map((demo) => demo.stats)),
    connectionsAccepted: () => servers.reduce((total, server) => total + server.connections, 0),
    async close() {
      await balancer?.close();
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** A client of any column: the MCP client core plus that column's transport. */
function columnClient(
  transport: ClientTransport & { close?(): Promise<void> },
  protocolVersion: ProtocolVersion,
  cut: () => void,
): ColumnClient & { client: McpClient } {
  const client = new McpClient({ transport, clientInfo, protocolVersion });
  return {
    client,
    search: (args, options = {}) =>
      resendIfStreamLost(client, () => client.callTool('search_issues', { ...args }, options)),
    async echo(text) {
      await client.callTool('echo', { text });
    },
    cut,
    close: () => client.close(),
  };
}

const plainHttp: Column = {
  id: '01',
  title: '01 plain HTTP',
  endpoints: ['POST /mcp'],
  process: { script: '01-plain-http/server.ts' },
  deploy: (options = {}) =>
    deployInstances((tools) => createPlainHttpServer({ port: 0, tools }), '/mcp', options),
  async connect(url, { keepAlive = true } = {}) {
    const transport = new PlainHttpClientTransport(url, { keepAlive });
    const column = columnClient(transport, '2025-11-25', () => transport.cutConnections());
    await column.client.connect();
    return column;
  },
};

const httpSse: Column = {
  id: '02',
  title: '02 HTTP+SSE',
  endpoints: ['GET /sse', 'POST /message'],
  process: { script: '02-http-sse/server.ts' },
  deploy: (options = {}) =>
    deployInstances((tools) => createHttpSseServer({ port: 0, tools }), '/sse', options),
  async connect(url, { keepAlive = true } = {}) {
    const transport = new SseClientTransport(
      url,
      keepAlive ? {} : { fetch: fetchWithoutKeepAlive },
    );
    await transport.start();
    const column = columnClient(transport, '2025-11-25', () => transport.cutConnections());
    await column.client.connect();
    return column;
  },
};

/** Stage 03 in one of its three modes. */
function streamableHttp(
  id: ColumnId,
  title: string,
  mode: 'sessions' | 'sessionless' | '2026',
): Column {
  return {
    id,
    title,
    endpoints: ['POST /mcp', ...(mode === 'sessions' ? ['GET /mcp', 'DELETE /mcp'] : [])],
    process: {
      script: '03-streamable-http/server.ts',
      ...(mode === 'sessionless' ? { env: { SESSIONLESS: '1' } } : {}),
    },
    deploy(options = {}) {
      const { redisUrl } = options;
      const start = (tools: DemoTools) =>
        redisUrl
          ? createScaleOutServer({ port: 0, retryMs: RETRY_MS, tools, redisUrl })
          : createStreamableHttpServer({
              port: 0,
              sessionless: mode === 'sessionless',
              retryMs: RETRY_MS,
              tools,
            });
      return deployInstances(start, '/mcp', options);
    },
    async connect(url, { keepAlive = true } = {}) {
      const transport = new StreamableHttpClientTransport(
        url,
        {},
        keepAlive ? {} : { fetch: fetchWithoutKeepAlive },
      );
      const column = columnClient(transport, mode === '2026' ? '2026-07-28' : '2025-11-25', () =>
        transport.cutConnections(),
      );
      await column.client.connect();
      return column;
    },
  };
}

/** The five columns, in the course's order. */
export const COLUMNS: readonly Column[] = [
  plainHttp,
  httpSse,
  streamableHttp('03-sessions', '03 Streamable HTTP, sessions', 'sessions'),
  streamableHttp('03-sessionless', '03 Streamable HTTP, sessionless mode', 'sessionless'),
  streamableHttp('03-2026', '03 Streamable HTTP, 2026-07-28', '2026'),
];

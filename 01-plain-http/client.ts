/**
 * Stage 01 client: every message is one POST, every answer one JSON body.
 *
 * Teaches: what a plain-HTTP client pays. It asks for progress and gets none,
 * because the server has no way to send it, so it can only show a spinner and
 * the time passing. And it counts the TCP connections it opens: with
 * keep-alive one connection carries every call; without it each POST costs a
 * new connection (and, over HTTPS, a new TLS handshake).
 * Implements: the client side of "Streamable HTTP" for a server that only ever
 * answers `application/json`, revisions 2025-03-26 to 2026-07-28.
 * Read next: ../docs/01-plain-http.md.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 * @module
 */
import { parseArgs } from 'node:util';
import { Agent, fetch } from 'undici';
import { isEntryPoint } from '../shared/cli.ts';
import { searchIssuesArguments, type SearchIssuesArgs } from '../shared/demo/demo-tools.ts';
import { checkMessage, isRequest, type JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import { requestHeaders } from '../shared/http/request-metadata.ts';
import { firstText } from '../shared/protocol/tools.ts';
import {
  McpClient,
  type ClientTransport,
  type SendOptions,
} from '../shared/protocol/mcp-client.ts';
import { startSpinner } from '../shared/demo/terminal.ts';
import {
  LATEST_HANDSHAKE_VERSION,
  isPerRequestVersion,
  isSupportedVersion,
  type ProtocolVersion,
} from '../shared/protocol/versions.ts';

/** Options for {@link PlainHttpClientTransport}. */
export interface PlainHttpTransportOptions {
  /**
   * Reuse one TCP connection for every request (the default). `false` sends
   * `Connection: close`, so every POST opens a connection of its own.
   */
  keepAlive?: boolean;
}

/**
 * Sends each message as a POST and hands the JSON answer back to the client core.
 *
 * @example
 * ```ts
 * const transport = new PlainHttpClientTransport('http://127.0.0.1:3001/mcp');
 * const client = new McpClient({ transport, clientInfo: { name: 'me', version: '1.0.0' } });
 * await client.connect();
 * console.log(transport.connections); // 1
 * ```
 */
export class PlainHttpClientTransport implements ClientTransport {
  onmessage?: (message: JsonRpcMessage) => void;
  readonly #url: string;
  readonly #keepAlive: boolean;
  // One connection per origin: HTTP/1.1 carries one request at a time on a
  // connection, so sequential calls reuse it and the count stays exact.
  readonly #agent = new Agent({ connections: 1 });
  #connections = 0;
  #requests = 0;
  /** One per request in flight; aborting it closes that request's connection. */
  readonly #inFlight = new Set<AbortController>();

  constructor(url: string, options: PlainHttpTransportOptions = {}) {
    this.#url = url;
    this.#keepAlive = options.keepAlive ?? true;
    // Counted where connections are made, not guessed from the number of requests.
    this.#agent.on('connect', () => (this.#connections += 1));
  }

  /** TCP connections this transport has opened. */
  get connections(): number {
    return this.#connections;
  }

  /** HTTP requests this transport has sent. */
  get requests(): number {
    return this.#requests;
  }

  /** Cuts every request in flight, as a network failure would: their answers are lost. For tests. */
  cutConnections(): void {
    for (const request of this.#inFlight) request.abort(new Error('connection cut'));
  }

  async send(message: JsonRpcMessage, { signal, protocolVersion }: SendOptions): Promise<void> {
    this.#requests += 1;
    const request = new AbortController();
    this.#inFlight.add(request);
    try {
      await this.#post(message, request.signal, signal, protocolVersion);
    } finally {
      this.#inFlight.delete(request);
    }
  }

  async #post(
    message: JsonRpcMessage,
    cut: AbortSignal,
    signal: AbortSignal | undefined,
    protocolVersion: string | undefined,
  ): Promise<void> {
    const response = await fetch(this.#url, {
      method: 'POST',
      dispatcher: this.#agent,
      signal: signal ? AbortSignal.any([signal, cut]) : cut,
      headers: {
        'Content-Type': 'application/json',
        // A Streamable HTTP client MUST accept both; this server only ever answers JSON.
        Accept: 'application/json, text/event-stream',
        ...(protocolVersion ? { 'MCP-Protocol-Version': protocolVersion } : {}),
        // 2026-07-28: method and name mirrored into headers, which the server checks against the body.
        // The demo tools mark no parameter with x-mcp-header, so no tool is needed for Mcp-Param-*.
        ...(isPerRequestVersion(protocolVersion) && isRequest(message)
          ? requestHeaders(message, undefined)
          : {}),
        ...(this.#keepAlive ? {} : { Connection: 'close' }),
      },
      body: JSON.stringify(message),
    });
    // 202: a notification or response was accepted; there is nothing to read.
    if (response.status === 202) {
      await response.body?.cancel();
      return;
    }
    const text = await response.text();
    if (!response.headers.get('content-type')?.includes('application/json')) {
      throw new Error(`HTTP ${response.status} from ${this.#url}: ${text.slice(0, 200)}`);
    }
    // Errors arrive as JSON-RPC bodies too (400, 404, ...): the core matches them to the request by id.
    const checked = checkMessage(JSON.parse(text));
    if (!checked.ok)
      throw new Error(`HTTP ${response.status}: not a JSON-RPC message: ${text.slice(0, 200)}`);
    if ('error' in checked.message && checked.message.id === null) {
      throw new Error(`HTTP ${response.status}: ${checked.message.error.message}`);
    }
    this.onmessage?.(checked.message);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** What one run of the stage 01 client saw. */
export interface ClientRun {
  /** The version the client ended up speaking: negotiated in `initialize`, or the 2026 one it sent. */
  protocolVersion: ProtocolVersion | undefined;
  /** The tool names `tools/list` returned. */
  tools: string[];
  /** The search's summary, the first text block of its result. */
  resultText: string;
  /** Progress notifications that reached the client: always 0 over plain HTTP. */
  progressReceived: number;
  /** How long `search_issues` took, from the call to its result, in milliseconds. */
  elapsedMs: number;
  /** HTTP requests the run sent: 4 in the handshake era, 2 in 2026-07-28. */
  requests: number;
  /** TCP connections the run opened: 1 with keep-alive, one per request without. */
  connections: number;
}

/** Options for {@link runPlainHttpClient}. */
export interface ClientRunOptions extends PlainHttpTransportOptions, Partial<SearchIssuesArgs> {
  /** The server's MCP endpoint, such as `http://127.0.0.1:3001/mcp`. */
  url: string;
  /** The revision to speak; the default is the newest handshake-era one, 2025-11-25. */
  protocolVersion?: ProtocolVersion;
  /** Draw a spinner on stderr while waiting (only when it is a terminal). */
  spinner?: boolean;
}

/**
 * The stage 01 scenario: connect (initialize in the handshake era), list the
 * tools, call `search_issues`, and report what it cost.
 *
 * @example
 * ```ts
 * const run = await runPlainHttpClient({ url: 'http://127.0.0.1:3001/mcp', keepAlive: false });
 * console.log(run.connections, run.requests); // 4 4
 * ```
 */
export async function runPlainHttpClient(options: ClientRunOptions): Promise<ClientRun> {
  const transport = new PlainHttpClientTransport(options.url, options);
  const client = new McpClient({
    transport,
    clientInfo: { name: 'mcp-transports-course/01-client', version: '1.0.0' },
    protocolVersion: options.protocolVersion ?? LATEST_HANDSHAKE_VERSION,
  });
  try {
    await client.connect();
    const tools = (await client.listTools()).map((tool) => tool.name);
    let progressReceived = 0;
    const started = performance.now();
    const spinner = options.spinner
      ? startSpinner('search_issues: waiting, with nothing to show')
      : undefined;
    try {
      const result = await client.callTool(
        'search_issues',
        { ...searchIssuesArguments(options) },
        // We ask for progress like any MCP client would; over plain HTTP none can arrive.
        { onprogress: () => (progressReceived += 1) },
      );
      return {
        protocolVersion: client.protocolVersion,
        tools,
        // The first block is the tool's summary for people; the second, its structured result as JSON.
        resultText: firstText(result) ?? '',
        progressReceived,
        elapsedMs: performance.now() - started,
        requests: transport.requests,
        connections: transport.connections,
      };
    } finally {
      spinner?.stop();
    }
  } finally {
    await client.close();
  }
}

/** Prints a run the way the CLI and the demo show it. */
export function printRun(run: ClientRun, keepAlive: boolean): void {
  console.log(`protocol version: ${run.protocolVersion}`);
  console.log(`tools: ${run.tools.join(', ')}`);
  console.log(run.resultText);
  console.log(
    `search_issues took ${(run.elapsedMs / 1000).toFixed(1)} s; progress notifications received: ${run.progressReceived}`,
  );
  console.log(
    `TCP connections used: ${run.connections} for ${run.requests} HTTP requests (${keepAlive ? 'keep-alive' : 'no keep-alive'})`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT || 3001}/mcp` },
      'no-keepalive': { type: 'boolean', default: false },
      revision: { type: 'string', default: LATEST_HANDSHAKE_VERSION },
      query: { type: 'string', default: 'stream' },
      pages: { type: 'string', default: '10' },
      'delay-ms': { type: 'string', default: '300' },
    },
  });
  if (!isSupportedVersion(values.revision))
    throw new Error(`Unknown --revision ${values.revision}`);
  const keepAlive = !values['no-keepalive'];
  const run = await runPlainHttpClient({
    url: values.url,
    keepAlive,
    protocolVersion: values.revision,
    query: values.query,
    pages: Number(values.pages),
    delayMs: Number(values['delay-ms']),
    spinner: true,
  });
  printRun(run, keepAlive);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

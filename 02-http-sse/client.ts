/**
 * Stage 02 client: open `GET /sse`, wait for the `endpoint` event, then POST
 * every message there and read every answer from the stream.
 *
 * Teaches: the client's half of the two-endpoint design. A POST only says
 * "accepted" (202); the real answer, and the progress before it, arrive on the
 * stream, matched to the request by id. That makes the stream precious: if it
 * drops, every answer still on its way is gone, and a new stream is a new
 * session that knows nothing of the old one.
 * Implements: the client side of "HTTP with SSE", revision 2024-11-05.
 * Read next: ../docs/02-http-sse.md.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 * @module
 */
import { parseArgs } from 'node:util';
import { EventSource } from 'eventsource';
import { isEntryPoint } from '../shared/cli.ts';
import { searchIssuesArguments, type SearchIssuesArgs } from '../shared/demo/demo-tools.ts';
import { checkMessage, type JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import { firstText } from '../shared/protocol/tools.ts';
import { McpClient, type ClientTransport, type Progress } from '../shared/protocol/mcp-client.ts';
import { printOutcome, progressBar, startSpinner } from '../shared/demo/terminal.ts';
import { LATEST_HANDSHAKE_VERSION } from '../shared/protocol/versions.ts';

/** The error pending requests fail with when the stream drops: their answers cannot arrive any more. */
export class StreamDroppedError extends Error {
  constructor(detail: string) {
    super(`The SSE stream dropped (${detail}); answers still on their way are lost`);
    this.name = 'StreamDroppedError';
  }
}

/**
 * The HTTP+SSE client transport.
 *
 * @example
 * ```ts
 * const transport = new SseClientTransport('http://127.0.0.1:3002/sse');
 * await transport.start(); // opens the stream, waits for the endpoint event
 * const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
 * await client.connect();
 * ```
 */
export class SseClientTransport implements ClientTransport {
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (error: Error) => void;
  readonly #sseUrl: URL;
  readonly #fetch: typeof fetch;
  #eventSource: EventSource | undefined;
  #endpoint: URL | undefined;

  /** @param options.fetch the fetch to use for the stream and the POSTs (tests pass one that counts or closes connections). */
  constructor(sseUrl: string, options: { fetch?: typeof fetch } = {}) {
    this.#sseUrl = new URL(sseUrl);
    this.#fetch = options.fetch ?? fetch;
  }

  /** Where this session's messages are POSTed; known once the stream is open. */
  get endpoint(): URL | undefined {
    return this.#endpoint;
  }

  /** The session id the server chose, read from the endpoint URL. */
  get sessionId(): string | undefined {
    return this.#endpoint?.searchParams.get('sessionId') ?? undefined;
  }

  /** Opens the stream and resolves once the server named the POST endpoint. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const eventSource = new EventSource(this.#sseUrl, { fetch: this.#fetch });
      this.#eventSource = eventSource;
      // [spec] "the server MUST send an endpoint event containing a URI for the client to use for sending messages."
      eventSource.addEventListener('endpoint', (event) => {
        const endpoint = new URL(event.data as string, this.#sseUrl);
        // Never POST our messages to another origin because a stream said so.
        if (endpoint.origin !== this.#sseUrl.origin) {
          this.#drop(`endpoint on another origin: ${endpoint.origin}`);
          reject(new Error(`The server named an endpoint on another origin: ${endpoint.href}`));
          return;
        }
        this.#endpoint = endpoint;
        resolve();
      });
      eventSource.addEventListener('message', (event) => {
        let value: unknown;
        try {
          value = JSON.parse(event.data as string);
        } catch {
          return; // not a JSON-RPC message; nothing to route
        }
        const checked = checkMessage(value);
        if (checked.ok) this.onmessage?.(checked.message);
      });
      eventSource.addEventListener('error', (event) => {
        // EventSource would reconnect by itself, but here a new stream is a new
        // session with a new endpoint: the old session's answers would never come.
        const detail = event.message ?? 'connection lost';
        this.#drop(detail);
        reject(new Error(`Could not open the SSE stream at ${this.#sseUrl.href}: ${detail}`));
      });
    });
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (!this.#endpoint) throw new Error('The stream is not open: call start() first');
    const response = await this.#fetch(this.#endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(message),
    });
    const text = await response.text();
    // [SDK convention] 202: accepted; the answer will come on the stream.
    if (response.status === 202) return;
    let detail = text.slice(0, 200);
    try {
      detail = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // not a JSON-RPC error body; keep the text
    }
    throw new Error(
      `POST ${this.#endpoint.pathname}${this.#endpoint.search} failed: HTTP ${response.status}: ${detail}`,
    );
  }

  /** Cuts the stream the way a network failure would. For demos and tests. */
  dropStream(): void {
    this.#drop('cut by the client');
  }

  async close(): Promise<void> {
    this.#eventSource?.close();
    this.#eventSource = undefined;
    return Promise.resolve();
  }

  #drop(detail: string): void {
    if (!this.#eventSource) return;
    this.#eventSource.close();
    this.#eventSource = undefined;
    this.onclose?.(new StreamDroppedError(detail));
  }
}

/** What one run of the stage 02 client saw. */
export interface SseClientRun {
  /** The session named in the `endpoint` event, which lives exactly as long as the stream. */
  sessionId: string | undefined;
  /** The tool names `tools/list` returned. */
  tools: string[];
  /** The tool's summary, or `undefined` when the answer was lost. */
  resultText: string | undefined;
  /** Why there is no result, when there is none. */
  failure: string | undefined;
  /** Each progress notification, with the ms since the call started. */
  progress: Array<
    Progress & {
      /** When it arrived, in ms since the call started: shows progress arriving long before the result. */
      atMs: number;
    }
  >;
  /** Ms from the call to its result (or to its failure). */
  elapsedMs: number;
}

/** Options for {@link runHttpSseClient}. */
export interface SseClientRunOptions extends Partial<SearchIssuesArgs> {
  /** The server's SSE endpoint, such as `http://127.0.0.1:3002/sse`; the POST URL comes from its `endpoint` event. */
  url: string;
  /** Cut the stream after this many progress notifications. */
  dropAfter?: number;
  /** Draw a live progress bar on stderr (only when it is a terminal). */
  display?: boolean;
}

/**
 * The stage 02 scenario: open the stream, initialize, list tools, call
 * `search_issues` with a live progress bar, optionally cutting the stream.
 *
 * @example
 * ```ts
 * const run = await runHttpSseClient({ url: 'http://127.0.0.1:3002/sse', dropAfter: 2 });
 * run.resultText; // undefined: the result was lost with the stream
 * ```
 */
export async function runHttpSseClient(options: SseClientRunOptions): Promise<SseClientRun> {
  const transport = new SseClientTransport(options.url);
  await transport.start();
  const client = new McpClient({
    transport,
    clientInfo: { name: 'mcp-transports-course/02-client', version: '1.0.0' },
    protocolVersion: LATEST_HANDSHAKE_VERSION,
  });
  const progress: SseClientRun['progress'] = [];
  try {
    await client.connect();
    const tools = (await client.listTools()).map((tool) => tool.name);
    const line = options.display
      ? startSpinner('search_issues: waiting for the first page')
      : undefined;
    const started = performance.now();
    try {
      const result = await client.callTool(
        'search_issues',
        { ...searchIssuesArguments(options) },
        {
          onprogress: (update) => {
            progress.push({ ...update, atMs: performance.now() - started });
            line?.update(progressBar(update.progress, update.total, update.message));
            if (progress.length === options.dropAfter) transport.dropStream();
          },
        },
      );
      const elapsedMs = performance.now() - started;
      const resultText = firstText(result);
      return {
        sessionId: transport.sessionId,
        tools,
        resultText,
        failure: undefined,
        progress,
        elapsedMs,
      };
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      const elapsedMs = performance.now() - started;
      return {
        sessionId: transport.sessionId,
        tools,
        resultText: undefined,
        failure,
        progress,
        elapsedMs,
      };
    } finally {
      line?.stop();
    }
  } finally {
    await client.close();
  }
}

/** Prints a run the way the CLI and the demo show it. */
export function printSseRun(run: SseClientRun): void {
  console.log(`session: ${run.sessionId}`);
  console.log(`tools: ${run.tools.join(', ')}`);
  const first = run.progress[0];
  console.log(
    `progress notifications received: ${run.progress.length}` +
      (first ? ` (the first after ${(first.atMs / 1000).toFixed(1)} s)` : ''),
  );
  printOutcome(run);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT || 3002}/sse` },
      query: { type: 'string', default: 'stream' },
      pages: { type: 'string', default: '10' },
      'delay-ms': { type: 'string', default: '300' },
      'drop-after': { type: 'string' },
    },
  });
  const dropAfter = values['drop-after'] === undefined ? undefined : Number(values['drop-after']);
  const run = await runHttpSseClient({
    url: values.url,
    query: values.query,
    pages: Number(values.pages),
    delayMs: Number(values['delay-ms']),
    ...(dropAfter === undefined ? {} : { dropAfter }),
    display: true,
  });
  printSseRun(run);
  if (run.resultText === undefined && dropAfter === undefined) process.exitCode = 1;
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

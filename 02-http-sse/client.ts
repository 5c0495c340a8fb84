/**
 * Stage 02 client: the stage's scenario (open the stream, initialize, list
 * the tools, call `search_issues` with a live progress bar, optionally cut the
 * stream), its printing and its command line, over the `SseClientTransport`
 * of client-transport.ts.
 *
 * Teaches: what the stream brings and what losing it costs. Progress arrives
 * long before the result; cut the stream (`--drop-after`) and the result is
 * lost, because a new stream would be a new session.
 * Implements: the client side of "HTTP with SSE", revision 2024-11-05.
 * Read next: ../docs/02-http-sse.md.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 * @module
 */
import { parseArgs } from 'node:util';
import { isEntryPoint } from '../shared/cli.ts';
import { searchIssuesArguments, type SearchIssuesArgs } from '../shared/demo/demo-tools.ts';
import { firstText } from '../shared/protocol/tools.ts';
import { McpClient, type Progress } from '../shared/protocol/mcp-client.ts';
import { printOutcome, progressBar, startSpinner } from '../shared/demo/terminal.ts';
import { LATEST_HANDSHAKE_VERSION } from '../shared/protocol/versions.ts';
import { SseClientTransport } from './client-transport.ts';

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
            if (progress.length === options.dropAfter) transport.cutConnections();
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

/**
 * Stage 03 client: the stage's scenario, its printing and its command line,
 * over the `StreamableHttpClientTransport` of client-transport.ts. It speaks
 * revision 2026-07-28 by default and falls back to the handshake era when the
 * server does not (or speaks the handshake era when asked).
 *
 * What is here and not in the transport is what needs the client core (a new
 * `initialize`, a new request id, a `server/discover`): era detection and the
 * scenario's recovery policies, which a user may well choose differently.
 *
 * Teaches: what each era does when something is lost. A forgotten session
 * (404) means initialize again; a dropped stream is resumed in the handshake
 * era (by the transport) and re-sent as a new request in 2026-07-28, where
 * the server stopped the tool when the stream closed, so the tool runs twice.
 * Implements: the client side of Streamable HTTP in both eras, including era
 * detection ("Backward Compatibility", revision 2026-07-28).
 * Read next: ../docs/03-streamable-http.md.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#backward-compatibility
 * @module
 */
import { parseArgs } from 'node:util';
import { isEntryPoint } from '../shared/cli.ts';
import { searchIssuesArguments, type SearchIssuesArgs } from '../shared/demo/demo-tools.ts';
import { ErrorCode, JsonRpcError } from '../shared/protocol/jsonrpc.ts';
import { McpClient, type Progress } from '../shared/protocol/mcp-client.ts';
import { printOutcome, progressBar, startSpinner } from '../shared/demo/terminal.ts';
import { firstText } from '../shared/protocol/tools.ts';
import {
  HANDSHAKE_VERSIONS,
  LATEST_HANDSHAKE_VERSION,
  LATEST_VERSION,
  isHandshakeVersion,
  isPerRequestVersion,
  isSupportedVersion,
  type HandshakeVersion,
  type ProtocolVersion,
} from '../shared/protocol/versions.ts';
import {
  SessionNotFoundError,
  StreamLostError,
  StreamableHttpClientTransport,
} from './client-transport.ts';

/**
 * Runs `call`; if the server answers 404 because it forgot the session
 * (restart, expiry, another instance), initializes a new session and runs it once more.
 *
 * @example
 * ```ts
 * const tools = await retryInNewSession(client, transport, () => client.listTools());
 * ```
 */
export async function retryInNewSession<T>(
  client: McpClient,
  transport: StreamableHttpClientTransport,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof SessionNotFoundError)) throw error;
    // [spec] "The client MUST start a new session by sending a new InitializeRequest without a session ID."
    transport.resetSession();
    await client.connect();
    return call();
  }
}

/** How many times a lost 2026-07-28 request is sent again before giving up. */
const MAX_RESENDS = 3;

/** Who the stage 03 client says it is. */
const CLIENT_INFO = { name: 'mcp-transports-course/03-client', version: '1.0.0' };

/**
 * Connects in the era asked for. Asked for 2026-07-28, it sends a modern
 * request first (`server/discover`) and falls back to `initialize` only if the
 * answer is not a recognised modern error: a modern server that refuses the
 * request (a header, a capability, a version) is still a modern server. One
 * modern refusal does lead to `initialize`: a -32022 whose `supported` list
 * offers handshake-era versions and no per-request one this client speaks.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#backward-compatibility
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#protocol-version-negotiation
 *
 * @example
 * ```ts
 * const client = await connectInEra(transport, '2026-07-28');
 * client.protocolVersion; // '2026-07-28', or '2025-11-25' from a handshake-era server
 * ```
 */
export async function connectInEra(
  transport: StreamableHttpClientTransport,
  protocolVersion: ProtocolVersion,
): Promise<McpClient> {
  const client = new McpClient({ transport, clientInfo: CLIENT_INFO, protocolVersion });
  await client.connect();
  if (isHandshakeVersion(protocolVersion)) return client;
  try {
    await client.discover();
    return client;
  } catch (error) {
    const offered = handshakeVersionOffered(error);
    if (!offered && isModernRejection(error)) throw error;
    // [spec] "If the body is empty or is not a recognized modern JSON-RPC error, fall back to initialize."
    const legacy = new McpClient({
      transport,
      clientInfo: CLIENT_INFO,
      protocolVersion: offered ?? LATEST_HANDSHAKE_VERSION,
    });
    await legacy.connect();
    return legacy;
  }
}

/** The errors only a 2026-07-28 server sends: proof that the server is modern. */
function isModernRejection(error: unknown): boolean {
  const modern: number[] = [
    ErrorCode.HeaderMismatch,
    ErrorCode.MissingRequiredClientCapability,
    ErrorCode.UnsupportedProtocolVersion,
  ];
  return error instanceof JsonRpcError && modern.includes(error.code);
}

/**
 * After a -32022 whose `supported` list names no per-request version (the
 * client core already retried with one it did name): the newest handshake-era
 * version listed, which this client reaches through `initialize`.
 * [spec] "The client SHOULD select a mutually supported version from the supported list."
 */
function handshakeVersionOffered(error: unknown): HandshakeVersion | undefined {
  if (!(error instanceof JsonRpcError) || error.code !== ErrorCode.UnsupportedProtocolVersion)
    return undefined;
  const supported = (error.data as { supported?: unknown } | undefined)?.supported;
  if (!Array.isArray(supported) || supported.some(isPerRequestVersion)) return undefined;
  return HANDSHAKE_VERSIONS.find((version) => supported.includes(version));
}

/**
 * Runs `call`; if its stream was lost in revision 2026-07-28 (the server
 * stopped the tool when the stream closed), sends it again as a new request.
 * [spec] "The client MUST resend it as a new request with a new id." The tool
 * starts over: a tool that is not idempotent runs twice.
 */
export async function resendIfStreamLost<T>(
  client: McpClient,
  call: () => Promise<T>,
  onResend: () => void = () => {},
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const resend =
        error instanceof StreamLostError && isPerRequestVersion(client.protocolVersion);
      if (!resend || attempt >= MAX_RESENDS) throw error;
      onResend();
    }
  }
}

/** What one run of the stage 03 client saw. */
export interface StreamableClientRun {
  /** The version spoken: 2026-07-28, or the one `initialize` negotiated after a fallback. */
  protocolVersion: string | undefined;
  /** The handshake era's `Mcp-Session-Id`; `undefined` in 2026-07-28 and in sessionless mode. */
  sessionId: string | undefined;
  /** The tool names `tools/list` returned. */
  tools: string[];
  /** The tool's summary, or `undefined` when the answer was lost. */
  resultText: string | undefined;
  /** Why there is no result, when there is none. */
  failure: string | undefined;
  /** Every progress notification received, across resumes and re-sends. */
  progress: Array<
    Progress & {
      /** When it arrived, in ms since the call started. */
      atMs: number;
    }
  >;
  /** Handshake era: each resume, after which event id and when. */
  resumes: Array<{
    /** The id sent as `Last-Event-ID`: the last event the client had before the cut. */
    lastEventId: string;
    /** When the resume was sent, in ms since the call started (after the server's `retry`). */
    atMs: number;
  }>;
  /** 2026-07-28: how many times the call was sent again after its stream was lost. */
  resends: number;
  /** Ms from the call to its result (or to its failure), resumes and re-sends included. */
  elapsedMs: number;
}

/** Options for {@link runStreamableHttpClient}. */
export interface StreamableClientRunOptions extends Partial<SearchIssuesArgs> {
  /** The server's MCP endpoint, such as `http://127.0.0.1:3003/mcp`. */
  url: string;
  /** `2026-07-28` (the default; falls back to the handshake era if the server has no 2026 path) or a handshake version. */
  protocolVersion?: ProtocolVersion;
  /** Cut the stream's connection after this many progress notifications: resumed, or re-sent in 2026-07-28. */
  dropAfter?: number;
  /** Draw a live progress bar on stderr (only when it is a terminal). */
  display?: boolean;
}

/**
 * The stage 03 scenario: connect in the era asked for, list the tools, call
 * `search_issues` with progress (optionally cutting the connection once),
 * then close (DELETE, in the handshake era). A forgotten session (404) is
 * replaced; a lost 2026 stream is re-sent.
 *
 * @example
 * ```ts
 * const run = await runStreamableHttpClient({ url, protocolVersion: '2025-11-25', dropAfter: 3 });
 * run.resumes.length; // 1: resumed, and the tool ran once
 * const modern = await runStreamableHttpClient({ url, dropAfter: 3 });
 * modern.resends;     // 1: re-sent, and the tool ran twice
 * ```
 */
export async function runStreamableHttpClient(
  options: StreamableClientRunOptions,
): Promise<StreamableClientRun> {
  const started = performance.now();
  const since = () => performance.now() - started;
  const resumes: StreamableClientRun['resumes'] = [];
  const progress: StreamableClientRun['progress'] = [];
  let resends = 0;
  let line: ReturnType<typeof startSpinner> | undefined;
  const transport = new StreamableHttpClientTransport(options.url, {
    onDisconnect: ({ retryMs }) =>
      line?.update(`connection lost; resuming in ${(retryMs / 1000).toFixed(1)} s`),
    onResume: ({ lastEventId }) => resumes.push({ lastEventId, atMs: since() }),
  });
  const client = await connectInEra(transport, options.protocolVersion ?? LATEST_VERSION);
  const withRecovery = <T>(call: () => Promise<T>): Promise<T> =>
    retryInNewSession(client, transport, () =>
      resendIfStreamLost(client, call, () => {
        resends += 1;
        line?.update('stream lost: the server stopped the tool; sending the call again');
      }),
    );
  try {
    const tools = (await withRecovery(() => client.listTools())).map((tool) => tool.name);
    line = options.display ? startSpinner('search_issues: waiting for the first page') : undefined;
    const base = () => ({
      protocolVersion: client.protocolVersion,
      sessionId: transport.sessionId,
      tools,
      progress,
      resumes,
      resends,
    });
    try {
      const result = await withRecovery(() =>
        client.callTool(
          'search_issues',
          { ...searchIssuesArguments(options) },
          {
            onprogress: (update) => {
              progress.push({ ...update, atMs: since() });
              line?.update(progressBar(update.progress, update.total, update.message));
              if (progress.length === options.dropAfter) transport.cutConnections();
            },
          },
        ),
      );
      return { ...base(), resultText: firstText(result), failure: undefined, elapsedMs: since() };
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      return { ...base(), resultText: undefined, failure, elapsedMs: since() };
    } finally {
      line?.stop();
    }
  } finally {
    await client.close();
  }
}

/** Prints a run the way the CLI and the demo show it. */
export function printStreamableRun(run: StreamableClientRun): void {
  console.log(`protocol version: ${run.protocolVersion}; session: ${run.sessionId ?? 'none'}`);
  console.log(`tools: ${run.tools.join(', ')}`);
  console.log(`progress notifications received: ${run.progress.length}`);
  if (run.resends) {
    console.log(
      `the stream was lost, so the call was sent again ${run.resends} time(s): the tool started over`,
    );
  }
  for (const resume of run.resumes) {
    console.log(
      `resumed with Last-Event-ID ${resume.lastEventId} after ${(resume.atMs / 1000).toFixed(1)} s`,
    );
  }
  printOutcome(run);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT || 3003}/mcp` },
      revision: { type: 'string', default: LATEST_VERSION },
      query: { type: 'string', default: 'stream' },
      pages: { type: 'string', default: '10' },
      'delay-ms': { type: 'string', default: '300' },
      'drop-after': { type: 'string' },
    },
  });
  if (!isSupportedVersion(values.revision))
    throw new Error(`Unknown --revision ${values.revision}`);
  const dropAfter = values['drop-after'];
  const run = await runStreamableHttpClient({
    url: values.url,
    protocolVersion: values.revision,
    query: values.query,
    pages: Number(values.pages),
    delayMs: Number(values['delay-ms']),
    ...(dropAfter === undefined ? {} : { dropAfter: Number(dropAfter) }),
    display: true,
  });
  printStreamableRun(run);
  if (run.resultText === undefined) process.exitCode = 1;
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

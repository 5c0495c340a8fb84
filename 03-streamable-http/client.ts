/**
 * Stage 03 client: every message is a POST to `/mcp`; the answer is JSON or an
 * SSE stream, and a stream that drops is resumed with `GET` + `Last-Event-ID`.
 *
 * Teaches: what a Streamable HTTP client must handle that a stage 02 client
 * could not. It accepts both answer types; it remembers the last event id of
 * each stream and, when the connection drops (or the server closes it to make
 * it poll), waits `retry` and comes back for exactly what it missed; it starts
 * over with `initialize` when the server forgets its session (404); and it
 * ends its session with DELETE when done.
 * Implements: the client side of Streamable HTTP in the handshake era,
 * revisions 2025-03-26 to 2025-11-25.
 * Read next: ../docs/03-streamable-http.md.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createParser } from 'eventsource-parser';
import { isEntryPoint } from '../shared/cli.ts';
import { checkMessage, type JsonRpcMessage, type RequestId } from '../shared/jsonrpc.ts';
import { firstText } from '../shared/tools.ts';
import {
  McpClient,
  type ClientTransport,
  type Progress,
  type SendOptions,
} from '../shared/mcp-client.ts';
import { progressBar, startSpinner } from '../shared/terminal.ts';
import {
  LATEST_HANDSHAKE_VERSION,
  isHandshakeVersion,
  type HandshakeVersion,
} from '../shared/versions.ts';

/** The server no longer knows our session (404): the client must initialize again. */
export class SessionNotFoundError extends Error {
  constructor() {
    super('The server does not know this session (HTTP 404): initialize again');
    this.name = 'SessionNotFoundError';
  }
}

/** How long to wait before resuming when the server named no `retry`. */
const DEFAULT_RETRY_MS = 1_000;

/** Give up on a stream after this many resumes in a row that brought nothing new. */
const MAX_FRUITLESS_RESUMES = 5;

/** What the transport tells an observer about its streams (for the CLI and the tests). */
export interface StreamObserver {
  /** A connection carrying a stream ended before the answer; the client will resume after `retryMs`. */
  onDisconnect?(info: { lastEventId: string | undefined; retryMs: number }): void;
  /** A resume (`GET` + `Last-Event-ID`) was answered. */
  onResume?(info: { lastEventId: string }): void;
}

/**
 * The Streamable HTTP client transport (handshake era).
 *
 * @example
 * ```ts
 * const transport = new StreamableHttpClientTransport('http://127.0.0.1:3003/mcp');
 * const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
 * await client.connect();
 * // … calls …
 * await client.close(); // DELETE ends the session
 * ```
 */
export class StreamableHttpClientTransport implements ClientTransport {
  onmessage?: (message: JsonRpcMessage) => void;
  readonly #url: URL;
  readonly #observer: StreamObserver;
  #sessionId: string | undefined;
  /** Aborting one cuts that connection (not the request): the stream is then resumed. */
  readonly #connections = new Set<AbortController>();
  readonly #connectionOf = new WeakMap<Response, AbortController>();

  constructor(url: string, observer: StreamObserver = {}) {
    this.#url = new URL(url);
    this.#observer = observer;
  }

  /** The session the server assigned in its answer to `initialize`, if any. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Forgets the session, so the next `initialize` starts a new one. */
  resetSession(): void {
    this.#sessionId = undefined;
  }

  /** Cuts every open stream connection, as a network failure would; each stream then resumes. For demos and tests. */
  cutConnections(): void {
    for (const connection of this.#connections) connection.abort(new Error('connection cut'));
  }

  /**
   * POSTs one message. For a request, resolves once its answer was delivered
   * (reading, and if need be resuming, its stream), so a failure here fails
   * that request alone.
   */
  async send(message: JsonRpcMessage, options: SendOptions): Promise<void> {
    const isInitialize = 'method' in message && message.method === 'initialize';
    if (isInitialize) this.#sessionId = undefined;
    const response = await this.#fetch('POST', options, { body: JSON.stringify(message) });
    if (isInitialize) this.#sessionId = response.headers.get('mcp-session-id') ?? undefined;
    if (response.status === 202) return;
    if (response.status === 404 && this.#sessionId) {
      await response.body?.cancel();
      throw new SessionNotFoundError();
    }
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream') && 'id' in message && 'method' in message) {
      await this.#readStream(response, message.id, options);
      return;
    }
    const text = await response.text();
    if (!type.startsWith('application/json')) {
      throw new Error(`HTTP ${response.status} from ${this.#url.href}: ${text.slice(0, 200)}`);
    }
    const body = JSON.parse(text) as unknown;
    for (const value of Array.isArray(body) ? body : [body]) this.#deliver(value, response.status);
  }

  /** Ends the session: [spec] "Clients that no longer need a particular session SHOULD send an HTTP DELETE." */
  async close(): Promise<void> {
    this.cutConnections();
    if (!this.#sessionId) return;
    const response = await this.#fetch('DELETE', {}).catch(() => undefined);
    await response?.body?.cancel();
    this.#sessionId = undefined;
  }

  /**
   * Reads a request's SSE stream until its answer arrives, resuming after
   * every drop: wait `retry`, then GET with the last event id seen.
   */
  async #readStream(first: Response, requestId: RequestId, options: SendOptions): Promise<void> {
    let response: Response | undefined = first;
    let lastEventId: string | undefined;
    let retryMs = DEFAULT_RETRY_MS;
    let answered = false;
    let fruitless = 0;
    for (;;) {
      const before = lastEventId;
      if (response) {
        let invalid: Error | undefined;
        try {
          await consumeEvents(response, () => answered, {
            onEvent: (id, data) => {
              if (id !== undefined) lastEventId = id;
              // A priming event has an id and empty data: it only gives us a place to resume from.
              if (data === '' || invalid) return;
              try {
                const delivered = this.#deliver(JSON.parse(data), response?.status ?? 200);
                if (!('method' in delivered) && delivered.id === requestId) answered = true;
              } catch (error) {
                invalid = error instanceof Error ? error : new Error(String(error));
              }
            },
            onRetry: (ms) => (retryMs = ms),
          });
        } catch (error) {
          // Our own cut, or the network: either way the connection is gone, the stream may not be.
          if (options.signal?.aborted) throw error;
        } finally {
          this.#connections.delete(this.#connectionOf.get(response)!);
        }
        if (invalid) throw invalid;
      }
      if (answered || options.signal?.aborted) return;
      if (!lastEventId || !this.#sessionId) {
        throw new Error(
          'The stream ended before its answer, and without an event id it cannot be resumed',
        );
      }
      fruitless = lastEventId === before ? fruitless + 1 : 0;
      if (fruitless >= MAX_FRUITLESS_RESUMES)
        throw new Error(`Gave up resuming after ${fruitless} attempts`);
      this.#observer.onDisconnect?.({ lastEventId, retryMs });
      // [spec 2025-11-25] The client MUST respect the retry field, waiting the given number of milliseconds.
      await sleep(retryMs, undefined, options.signal ? { signal: options.signal } : {});
      response = await this.#resume(lastEventId, options);
    }
  }

  /** GET with `Last-Event-ID`; `undefined` when the server could not be reached (try again later). */
  async #resume(lastEventId: string, options: SendOptions): Promise<Response | undefined> {
    let response: Response;
    try {
      response = await this.#fetch('GET', options, { lastEventId });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return undefined;
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new SessionNotFoundError();
    }
    // The SDK servers answer 409 while they still hold the cut connection, and any server can be
    // briefly unavailable: both mean "try again after retry", not "give up".
    if (response.status === 409 || response.status >= 500) {
      await response.body?.cancel();
      return undefined;
    }
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      throw new Error(
        `Resuming failed: HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`,
      );
    }
    this.#observer.onResume?.({ lastEventId });
    return response;
  }

  #deliver(value: unknown, status: number): JsonRpcMessage {
    const checked = checkMessage(value);
    if (!checked.ok) throw new Error(`HTTP ${status}: not a JSON-RPC message`);
    if ('error' in checked.message && checked.message.id === null) {
      throw new Error(`HTTP ${status}: ${checked.message.error.message}`);
    }
    this.onmessage?.(checked.message);
    return checked.message;
  }

  async #fetch(
    method: 'POST' | 'GET' | 'DELETE',
    { signal, protocolVersion }: SendOptions,
    extra: { body?: string; lastEventId?: string } = {},
  ): Promise<Response> {
    const connection = new AbortController();
    this.#connections.add(connection);
    const headers: Record<string, string> = {
      Accept: method === 'POST' ? 'application/json, text/event-stream' : 'text/event-stream',
    };
    if (extra.body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.#sessionId) headers['Mcp-Session-Id'] = this.#sessionId;
    if (protocolVersion) headers['MCP-Protocol-Version'] = protocolVersion;
    if (extra.lastEventId) headers['Last-Event-ID'] = extra.lastEventId;
    try {
      const response = await fetch(this.#url, {
        method,
        headers,
        ...(extra.body === undefined ? {} : { body: extra.body }),
        signal: signal ? AbortSignal.any([signal, connection.signal]) : connection.signal,
      });
      // Only a streamed answer keeps its connection registered (so cutConnections can reach it).
      if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        this.#connectionOf.set(response, connection);
      } else {
        this.#connections.delete(connection);
      }
      return response;
    } catch (error) {
      this.#connections.delete(connection);
      throw error;
    }
  }
}

/**
 * Feeds a response body through an SSE parser until it ends, or until `done()`
 * says we have what we came for (a server SHOULD end the stream after the
 * answer, but a client must not depend on it).
 */
async function consumeEvents(
  response: Response,
  done: () => boolean,
  handlers: { onEvent(id: string | undefined, data: string): void; onRetry(ms: number): void },
): Promise<void> {
  const parser = createParser({
    onEvent: (event) => handlers.onEvent(event.id, event.data),
    onRetry: (ms) => handlers.onRetry(ms),
  });
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!done()) {
      const { value, done: ended } = await reader.read();
      if (ended) return;
      parser.feed(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

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

/** What one run of the stage 03 client saw. */
export interface StreamableClientRun {
  protocolVersion: string | undefined;
  sessionId: string | undefined;
  tools: string[];
  resultText: string | undefined;
  failure: string | undefined;
  progress: Array<Progress & { atMs: number }>;
  /** Each resume: after which event id, and when. */
  resumes: Array<{ lastEventId: string; atMs: number }>;
  elapsedMs: number;
}

/** Options for {@link runStreamableHttpClient}. */
export interface StreamableClientRunOptions {
  url: string;
  protocolVersion?: HandshakeVersion;
  query?: string;
  pages?: number;
  delayMs?: number;
  /** Cut the stream's connection after this many progress notifications (it is then resumed). */
  dropAfter?: number;
  /** Draw a live progress bar on stderr (only when it is a terminal). */
  display?: boolean;
}

/**
 * The stage 03 scenario: initialize, list the tools, call `search_issues` with
 * progress (optionally cutting the connection once), then DELETE the session.
 * A 404 from a forgotten session is answered by initializing again, once.
 *
 * @example
 * ```ts
 * const run = await runStreamableHttpClient({ url: 'http://127.0.0.1:3003/mcp', dropAfter: 3 });
 * run.resumes.length; // 1: the stream was resumed once, and the result arrived
 * ```
 */
export async function runStreamableHttpClient(
  options: StreamableClientRunOptions,
): Promise<StreamableClientRun> {
  const started = performance.now();
  const resumes: StreamableClientRun['resumes'] = [];
  const progress: StreamableClientRun['progress'] = [];
  let line: ReturnType<typeof startSpinner> | undefined;
  const transport = new StreamableHttpClientTransport(options.url, {
    onDisconnect: ({ retryMs }) =>
      line?.update(`connection lost; resuming in ${(retryMs / 1000).toFixed(1)} s`),
    onResume: ({ lastEventId }) => resumes.push({ lastEventId, atMs: performance.now() - started }),
  });
  const client = new McpClient({
    transport,
    clientInfo: { name: 'mcp-transports-course/03-client', version: '1.0.0' },
    protocolVersion: options.protocolVersion ?? LATEST_HANDSHAKE_VERSION,
  });
  const withSession = <T>(call: () => Promise<T>): Promise<T> =>
    retryInNewSession(client, transport, call);
  try {
    await client.connect();
    const tools = (await withSession(() => client.listTools())).map((tool) => tool.name);
    line = options.display ? startSpinner('search_issues: waiting for the first page') : undefined;
    const base = {
      protocolVersion: client.protocolVersion,
      sessionId: transport.sessionId,
      tools,
      progress,
      resumes,
    };
    try {
      const result = await withSession(() =>
        client.callTool(
          'search_issues',
          {
            query: options.query ?? 'stream',
            pages: options.pages ?? 10,
            delayMs: options.delayMs ?? 300,
          },
          {
            onprogress: (update) => {
              progress.push({ ...update, atMs: performance.now() - started });
              line?.update(progressBar(update.progress, update.total, update.message));
              if (progress.length === options.dropAfter) transport.cutConnections();
            },
          },
        ),
      );
      const elapsedMs = performance.now() - started;
      return { ...base, resultText: firstText(result), failure: undefined, elapsedMs };
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      return { ...base, resultText: undefined, failure, elapsedMs: performance.now() - started };
    } finally {
      line?.stop();
    }
  } finally {
    await client.close();
  }
}

/** Prints a run the way the CLI and the demo show it. */
export function printStreamableRun(run: StreamableClientRun): void {
  console.log(
    `protocol version: ${run.protocolVersion}; session: ${run.sessionId ?? '(none: stateless)'}`,
  );
  console.log(`tools: ${run.tools.join(', ')}`);
  console.log(`progress notifications received: ${run.progress.length}`);
  for (const resume of run.resumes) {
    console.log(
      `resumed with Last-Event-ID ${resume.lastEventId} after ${(resume.atMs / 1000).toFixed(1)} s`,
    );
  }
  if (run.resultText !== undefined) {
    console.log(run.resultText);
    console.log(`search_issues took ${(run.elapsedMs / 1000).toFixed(1)} s`);
  } else {
    console.log(`no result: ${run.failure}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT || 3003}/mcp` },
      revision: { type: 'string', default: LATEST_HANDSHAKE_VERSION },
      query: { type: 'string', default: 'stream' },
      pages: { type: 'string', default: '10' },
      'delay-ms': { type: 'string', default: '300' },
      'drop-after': { type: 'string' },
    },
  });
  if (!isHandshakeVersion(values.revision))
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

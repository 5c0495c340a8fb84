/**
 * The fuzzer's oracle: sends one generated request, bounded against a hang,
 * and decides whether its answer is one a server may give to any input.
 *
 * Teaches: what "robust" means for an MCP endpoint, in rules that hold for
 * every request whatever it holds:
 * - an answer arrives (a request the server never answers fails after
 *   {@link HANG_MS}, a bound against a hang, not a clock deciding);
 * - its status is 2xx or 4xx, never 5xx: a bad request is the client's
 *   error, and the client must be told so;
 * - a 4xx carries a JSON-RPC error (`jsonrpc`, an integer `code`, a string
 *   `message`), whose `id` is the request's when the server read it, and
 *   otherwise `null` up to 2025-06-18 (and when no revision is known) or
 *   absent from 2025-11-25 on;
 * - a 2xx is a JSON-RPC answer echoing the ids the body sent (exactly, so an
 *   id no JavaScript number can hold is never answered under another one), a
 *   `202` with no body for what needs no answer, a `204` for a DELETE, or an
 *   event stream of JSON-RPC messages that ends with the answer;
 * - a resumed stream (`GET` with `Last-Event-ID`) only ever resumes an event
 *   id the server sent that session, byte for byte;
 * - what a limit refuses (../../shared/limits.ts, whose defaults the fuzzed
 *   servers run with) never gets a 2xx: a body nested deeper than
 *   `maxJsonDepth`, a batch larger than `maxBatchSize`; and a `tools/call`
 *   whose arguments are over `maxToolArgumentsBytes` never gets a result.
 * The server's `onError`, which only bugs reach, is watched by the tests.
 * Read next: hostile.ts, the generators; then the properties, starting with stage-01.test.ts.
 * @module
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { DEFAULT_LIMITS } from '../../shared/limits.ts';
import { isPlainObject, type RequestId } from '../../shared/protocol/jsonrpc.ts';
import { MetaKey, isSupportedVersion } from '../../shared/protocol/versions.ts';
import {
  preview,
  resolveRequest,
  type HostileRequest,
  type ResolvedRequest,
  type World,
} from './hostile.ts';
import type { WireResponse } from './wire.ts';

/** How long one answer may take before it counts as a hang: generous, only a hang reaches it. */
export const HANG_MS = 5_000;

/** How long one property may run, shrinking included, before fast-check stops it. */
export const PROPERTY_LIMIT_MS = 30_000;

/** The vitest timeout of a fuzz test: the property's bound, plus one hang, plus margin. */
export const FUZZ_TEST_TIMEOUT_MS = PROPERTY_LIMIT_MS + 3 * HANG_MS;

/**
 * fast-check's parameters for a property: `runs` runs by default, bounded in
 * time; `FUZZ_RUNS`, `FUZZ_SEED` and `FUZZ_PATH` override, so a failure
 * fast-check reports (`{ seed, path }`) can be replayed.
 *
 * @example
 * ```ts
 * await fc.assert(fc.asyncProperty(arbitrary, predicate), fuzzParameters(100));
 * ```
 */
export function fuzzParameters<T>(runs: number): fc.Parameters<T> {
  const { FUZZ_RUNS, FUZZ_SEED, FUZZ_PATH } = process.env;
  return {
    numRuns: FUZZ_RUNS ? Number(FUZZ_RUNS) : runs,
    ...(FUZZ_SEED ? { seed: Number(FUZZ_SEED) } : {}),
    ...(FUZZ_PATH ? { path: FUZZ_PATH, endOnFailure: true } : {}),
    plugins: [fc.interruptAfterTimeLimit(PROPERTY_LIMIT_MS)],
  };
}

/** What the server's `onError` received: every entry is a bug the fuzzer found. */
export class BugLog {
  readonly #errors: unknown[] = [];

  /** The `onError` to give a server. */
  readonly record = (error: unknown): void => {
    this.#errors.push(error);
  };

  /** A mark to compare against later. */
  get mark(): number {
    return this.#errors.length;
  }

  /** Throws when `onError` was called since `mark`, naming what it got (and `context`, if given). */
  expectNoneSince(mark: number, context?: string): void {
    const fresh = this.#errors.slice(mark);
    if (fresh.length === 0) return;
    const shown = fresh.map((error) =>
      error instanceof Error ? (error.stack ?? error.message) : String(error),
    );
    throw new Error(
      `the server called onError (a bug) ${fresh.length} time(s)${context ? `, and ${context}` : ''}:\n` +
        shown.join('\n'),
    );
  }
}

// ── Asking ───────────────────────────────────────────────────────────────────

/** How much of an event stream to read: to its end (a POST's answer), its first event, or none. */
export type ReadMode = 'to-end' | 'first-event' | 'headers';

/** An answer, from `fetch` or from the wire. */
export interface Answer {
  /** The HTTP status. */
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as text (an event stream's raw text, as far as it was read). */
  body: string;
  /** For an event stream: the events read. */
  events?: EventSourceMessage[];
  /** For an event stream: whether it ended (read to its end). */
  ended?: boolean;
}

/**
 * Sends a request with `fetch`, failing after {@link HANG_MS} without an
 * answer, and reads the answer as `read` says.
 */
export async function ask(
  origin: string,
  request: ResolvedRequest,
  read: ReadMode,
): Promise<Answer> {
  const controller = new AbortController();
  const hang = new Error(
    `no answer within ${HANG_MS} ms (a hang): ${request.method} ${request.path}`,
  );
  const timer = setTimeout(() => controller.abort(hang), HANG_MS);
  try {
    const response = await fetch(`${origin}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    if (!(headers['content-type'] ?? '').startsWith('text/event-stream')) {
      return { status: response.status, headers, body: await response.text() };
    }
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => events.push(event) });
    const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const decoder = new TextDecoder();
    let body = '';
    let ended = false;
    if (read === 'headers') await reader.cancel();
    while (read !== 'headers') {
      const chunk = await reader.read();
      if (chunk.done) {
        ended = true;
        break;
      }
      const text = decoder.decode(chunk.value, { stream: true });
      body += text;
      parser.feed(text);
      if (read === 'first-event' && events.length > 0) {
        await reader.cancel();
        break;
      }
    }
    return { status: response.status, headers, body, events, ended };
  } catch (error) {
    if (controller.signal.aborted) throw hang;
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new Error(
      `no answer: ${request.method} ${request.path} failed (${cause ?? String(error)}); ` +
        'the server closed the connection without answering',
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** An answer read off the wire, in the form {@link checkAnswer} takes. */
export function answerOf(response: WireResponse): Answer {
  const body = response.body.toString('utf8');
  if (!response.stream) return { status: response.status, headers: response.headers, body };
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (event) => events.push(event) }).feed(body);
  return { status: response.status, headers: response.headers, body, events, ended: false };
}

// ── Judging ──────────────────────────────────────────────────────────────────

/** What the body held, as far as an answer's ids go. */
export interface BodyInfo {
  /** False when the oracle cannot know what the server decoded (a charset other than UTF-8). */
  known: boolean;
  /** The ids of the well-formed requests in the body: what a result may echo. */
  ids: RequestId[];
  /**
   * Every id in the body that an error may echo: a string or a safe integer
   * in any object, well-formed request or not (a refusal names the id it could read).
   */
  readableIds: RequestId[];
  /** The body holds a well-formed request, which must be answered, not accepted with a bare 202. */
  answerable: boolean;
  /** The body is a JSON array. */
  batch: boolean;
  /** How many entries the array holds (1 for a single message). */
  entries: number;
  /** How deep objects and arrays nest in each message (each batch entry), its outermost counting 1. */
  depths: number[];
  /** The ids of the well-formed requests nested deeper than `maxJsonDepth` (with a margin). */
  deepIds: RequestId[];
  /** The ids of `tools/call` requests whose arguments serialise larger than `maxToolArgumentsBytes`. */
  oversizedCalls: RequestId[];
}

/**
 * What a body holds, read as the server reads it: UTF-8 (a BOM dropped),
 * then JSON. An id counts only when it is a string or a safe integer: any
 * other number has already changed by the time `JSON.parse` returns it.
 */
export function bodyInfo(request: ResolvedRequest): BodyInfo {
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(headerOf(request, 'content-type') ?? '')?.[1];
  const known = charset === undefined || /^utf-?8$/i.test(charset);
  const none: BodyInfo = {
    known,
    ids: [],
    readableIds: [],
    answerable: false,
    batch: false,
    entries: 0,
    depths: [],
    deepIds: [],
    oversizedCalls: [],
  };
  if (!request.plain) return none;
  const text = new TextDecoder().decode(request.plain);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return none;
  }
  const entries = Array.isArray(value) ? (value as unknown[]) : [value];
  const ids = entries.flatMap((entry) => {
    const id = wellFormedRequestId(entry);
    return id === undefined ? [] : [id];
  });
  const readableIds = entries.flatMap((entry) => {
    const id = readableId(entry);
    return id === undefined ? [] : [id];
  });
  const oversizedCalls = entries.flatMap((entry) => {
    const id = wellFormedRequestId(entry);
    if (id === undefined || (entry as { method?: unknown }).method !== 'tools/call') return [];
    const size = serialisedSize((entry as { params?: { arguments?: unknown } }).params?.arguments);
    return size !== undefined && size > DEFAULT_LIMITS.maxToolArgumentsBytes ? [id] : [];
  });
  const depths = nesting(text, Array.isArray(value));
  const deepIds = entries.flatMap((entry, i) => {
    const id = wellFormedRequestId(entry);
    return id !== undefined && (depths[i] ?? 0) > DEEPEST ? [id] : [];
  });
  return {
    known,
    ids,
    readableIds,
    answerable: ids.length > 0,
    batch: Array.isArray(value),
    entries: entries.length,
    depths,
    deepIds,
    oversizedCalls,
  };
}

/** The bytes of a value serialised, or `undefined` when it cannot be (absent, or too deep to stringify). */
function serialisedSize(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? undefined : Buffer.byteLength(text);
  } catch {
    return undefined;
  }
}

/**
 * The nesting a server may refuse: `maxJsonDepth`, with two levels of margin,
 * since whether the outermost object (or a batch's array) counts is the server's to say.
 */
const DEEPEST = DEFAULT_LIMITS.maxJsonDepth + 2;

/**
 * How deep objects and arrays nest in valid JSON text, the outermost counting
 * 1, read without recursion: one depth for the whole text, or one per entry of
 * a batch (the batch's own array not counted).
 */
function nesting(text: string, batch: boolean): number[] {
  const depths: number[] = [];
  let depth = 0;
  let entry = 0;
  let inString = false;
  const base = batch ? 1 : 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      depth += 1;
      if (depth > base) depths[entry] = Math.max(depths[entry] ?? 0, depth - base);
    } else if (char === '}' || char === ']') depth -= 1;
    else if (char === ',' && batch && depth === 1) entry += 1;
  }
  return depths;
}

function wellFormedRequestId(value: unknown): RequestId | undefined {
  if (!isPlainObject(value) || value.jsonrpc !== '2.0' || typeof value.method !== 'string')
    return undefined;
  if ('params' in value && !isPlainObject(value.params)) return undefined;
  return readableId(value);
}

function readableId(value: unknown): RequestId | undefined {
  if (!isPlainObject(value)) return undefined;
  const { id } = value;
  return typeof id === 'string' || Number.isSafeInteger(id) ? (id as RequestId) : undefined;
}

/** A request header as the server sees it: every value of the name, trimmed, joined with `, `. */
export function headerOf(request: ResolvedRequest, name: string): string | undefined {
  const values = request.headers
    .filter(([key]) => key.toLowerCase() === name)
    .map(([, value]) => value.replace(/^[ \t]+|[ \t]+$/g, ''));
  return values.length === 0 ? undefined : values.join(', ');
}

/** What else the oracle needs to know about where a request went. */
export interface AnswerRules {
  /** Stage 01 and stage 03's POST: a request is answered (JSON or a stream), never with a bare 202. */
  answersInline: boolean;
  /** The revision of the session the request names, when it names one of the test's sessions. */
  sessionRevision?: string | undefined;
  /** Stage 02's `GET /sse`: the stream's first event is `endpoint`, naming the POST URL. */
  endpointEvent?: boolean;
  /** Stage 03 with sessions: the event ids the server sent, per session id (a resume must name one). */
  issued?: ReadonlyMap<string, readonly string[]>;
  /** The request is a HEAD: an answer with no body, its headers as a GET's would be. */
  head?: boolean;
}

/**
 * Throws, saying which rule broke, unless `answer` is one the server may give
 * to `request`, whatever the request holds (see the module header).
 */
export function checkAnswer(request: ResolvedRequest, answer: Answer, rules: AnswerRules): void {
  const fail = (why: string): never => {
    throw new Error(
      `${why}\n  answer: ${answer.status} ${JSON.stringify(answer.headers)}\n  body: ${preview(Buffer.from(answer.body))}`,
    );
  };
  const { status } = answer;
  const info = bodyInfo(request);
  const contentType = answer.headers['content-type'] ?? '';
  if (status >= 500)
    fail(`a ${status}: the server failed on input it should refuse (4xx) or serve`);
  if (!(status >= 200 && status < 300) && !(status >= 400 && status < 500)) {
    fail(`a ${status}: neither an answer (2xx) nor a refusal (4xx)`);
  }

  if (status >= 400) {
    if (status === 405 && answer.headers.allow === undefined) fail('a 405 without an Allow header');
    if (!contentType.startsWith('application/json'))
      fail('a 4xx without a JSON-RPC error body (Content-Type is not application/json)');
    if (rules.head) return;
    const body = parseJson(answer.body) ?? fail('a 4xx whose body is not JSON');
    checkErrorBody(body, request, info, rules, fail);
    return;
  }

  // 2xx
  const lastEventId = headerOf(request, 'last-event-id');
  if (request.method === 'GET' && lastEventId !== undefined && rules.issued) {
    const session = headerOf(request, 'mcp-session-id');
    const sent = session === undefined ? undefined : rules.issued.get(session);
    if (!sent?.includes(lastEventId)) {
      fail(
        `a ${status} for Last-Event-ID ${JSON.stringify(lastEventId)}, which the server never sent this session: it must resume nothing`,
      );
    }
  }
  if (rules.head) return;
  // The limits every server here runs with (shared/limits.ts, the defaults): what each refuses is
  // never a 2xx. Only a POST's body is a message the server reads: a GET or a DELETE is served on
  // its headers, and a body sent with it is no message at all, too deep or not.
  const { maxJsonDepth, maxBatchSize } = DEFAULT_LIMITS;
  const readsBody = request.method === 'POST';
  // A single message too deep is refused whole; in a batch, each entry is (its request gets no result).
  const [depth = 0] = info.depths;
  if (readsBody && !info.batch && depth > DEEPEST) {
    fail(
      `a ${status} for a message nested ${depth} deep: maxJsonDepth (${maxJsonDepth}) refuses it`,
    );
  }
  if (readsBody && info.batch && info.entries > maxBatchSize) {
    fail(
      `a ${status} for a batch of ${info.entries} entries: maxBatchSize (${maxBatchSize}) refuses it`,
    );
  }
  if (status === 202 || status === 204) {
    if (answer.body !== '') fail(`a ${status} with a body`);
    if (status === 204 && request.method !== 'DELETE')
      fail('a 204 for something other than DELETE');
    if (status === 202 && rules.answersInline && info.answerable) {
      fail('a 202 for a body holding a request: the request must be answered, as JSON or a stream');
    }
    return;
  }
  if (status !== 200) fail(`a ${status}: not an answer the transport defines`);
  if (contentType.startsWith('application/json')) {
    const body = parseJson(answer.body) ?? fail('a 200 whose body is not JSON');
    if (Array.isArray(body)) {
      if (!info.batch) fail('a JSON array answering a body that was not a batch');
      if (body.length === 0) fail('an empty array: a batch with nothing to answer gets 202');
      for (const entry of body) checkResponse(entry, info, true, fail);
    } else {
      checkResponse(body, info, false, fail);
    }
    return;
  }
  if (!contentType.startsWith('text/event-stream')) {
    fail('a 200 that is neither JSON-RPC (application/json) nor an event stream');
  }
  checkStream(request, answer, info, rules, fail);
}

function checkErrorBody(
  body: unknown,
  request: ResolvedRequest,
  info: BodyInfo,
  rules: AnswerRules,
  fail: (why: string) => never,
): void {
  if (!isPlainObject(body) || body.jsonrpc !== '2.0')
    fail('a 4xx whose body is not a JSON-RPC 2.0 message');
  const { error } = body as Record<string, unknown>;
  if ('result' in (body as object)) fail('a 4xx carrying a result');
  if (!isPlainObject(error) || !Number.isInteger(error.code) || typeof error.message !== 'string') {
    fail('a 4xx whose error lacks an integer code and a string message');
  }
  const form = idForm(request, rules);
  if (!('id' in (body as object))) {
    if (!form.absentOk) fail(`a 4xx error without an id, where ${form.revision} needs "id": null`);
    return;
  }
  const { id } = body as { id: unknown };
  if (id === null) {
    if (!form.nullOk) fail(`a 4xx error with "id": null, where ${form.revision} leaves the id out`);
    return;
  }
  if (info.known && !info.readableIds.includes(id as RequestId)) {
    fail(
      `a 4xx error with id ${JSON.stringify(id)}, which the body did not send (${JSON.stringify(info.readableIds)})`,
    );
  }
}

/** How an error for an unread id must be written, by the revision the request names. */
function idForm(
  request: ResolvedRequest,
  rules: AnswerRules,
): { nullOk: boolean; absentOk: boolean; revision: string } {
  const header = headerOf(request, 'mcp-protocol-version');
  const session = rules.sessionRevision;
  if (isSupportedVersion(header) && (session === undefined || session === header)) {
    return header >= '2025-11-25'
      ? { nullOk: false, absentOk: true, revision: header }
      : { nullOk: true, absentOk: false, revision: header };
  }
  // The session knows its revision, but a refusal may come before the session is looked up, and
  // a header that contradicts the session leaves open which of the two the refusal follows.
  if (session !== undefined) return { nullOk: true, absentOk: true, revision: session };
  return { nullOk: true, absentOk: false, revision: 'an unknown revision (2025-03-26 assumed)' };
}

/** One JSON-RPC response: a result echoing a sent id, or an error (`id: null` only inside a batch). */
function checkResponse(
  value: unknown,
  info: BodyInfo,
  inBatch: boolean,
  fail: (why: string) => never,
): void {
  if (!isPlainObject(value) || value.jsonrpc !== '2.0')
    fail('an answer that is not a JSON-RPC 2.0 message');
  const response = value as Record<string, unknown>;
  const hasResult = 'result' in response;
  if (hasResult === 'error' in response) fail('an answer with both or neither of result and error');
  if (hasResult && !isPlainObject(response.result)) fail('a result that is not an object');
  if (!hasResult) {
    const { error } = response;
    if (
      !isPlainObject(error) ||
      !Number.isInteger(error.code) ||
      typeof error.message !== 'string'
    ) {
      fail('an error answer without an integer code and a string message');
    }
  }
  const { id } = response;
  if ((id === null || id === undefined) && !hasResult && inBatch) return;
  if (typeof id !== 'string' && !Number.isSafeInteger(id))
    fail(`an answer whose id ${JSON.stringify(id)} is no request id`);
  if (hasResult && info.deepIds.includes(id as RequestId)) {
    fail(
      `a result for request ${JSON.stringify(id)}, nested deeper than maxJsonDepth (${DEFAULT_LIMITS.maxJsonDepth})`,
    );
  }
  if (hasResult && info.oversizedCalls.includes(id as RequestId)) {
    fail(
      `a result for tools/call ${JSON.stringify(id)}, whose arguments are over maxToolArgumentsBytes (${DEFAULT_LIMITS.maxToolArgumentsBytes})`,
    );
  }
  const echoable = hasResult ? info.ids : info.readableIds;
  if (info.known && !echoable.includes(id as RequestId)) {
    fail(
      `an answer with id ${JSON.stringify(id)}, which the body did not send (${JSON.stringify(echoable)})`,
    );
  }
}

/** An event stream: JSON-RPC messages with canonical event ids; a POST's ends with its answer. */
function checkStream(
  request: ResolvedRequest,
  answer: Answer,
  info: BodyInfo,
  rules: AnswerRules,
  fail: (why: string) => never,
): void {
  const events = answer.events ?? [];
  if (rules.endpointEvent) {
    const [first] = events;
    if (first?.event !== 'endpoint' || !/^\/message\?sessionId=[^&\s]+$/.test(first.data)) {
      fail('a stage 02 stream whose first event is not `endpoint` naming /message?sessionId=…');
    }
    return;
  }
  for (const event of events) {
    if (event.id !== undefined && !/^[^/\s]+\/(0|[1-9][0-9]*)$/.test(event.id)) {
      fail(`an event id ${JSON.stringify(event.id)} that is not <stream>/<n>`);
    }
    if (event.data === '') continue; // a priming event: an id, nothing else
    const message = parseJson(event.data);
    if (!isPlainObject(message) || message.jsonrpc !== '2.0')
      fail('an event whose data is not a JSON-RPC message');
  }
  if (request.method !== 'POST') return;
  if (!answer.ended) fail('a POST answered with a stream that did not end');
  const messages = events
    .filter((event) => event.data !== '')
    .map((event) => parseJson(event.data));
  const last = messages.at(-1);
  // A stream that ends with no event at all is a request cancelled before its answer; the fuzzer cancels none.
  if (last === undefined) fail('a POST answered with a stream that ended without the answer');
  checkResponse(last, info, false, fail);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Sends one generated request and holds its answer to the rules: resolved
 * against `world`, asked with {@link ask}, judged by {@link checkAnswer}, and
 * the server's `onError` silent meanwhile.
 *
 * @example
 * ```ts
 * await probe(world, request, bugs, { answersInline: true });
 * ```
 */
export async function probe(
  world: World,
  request: HostileRequest,
  bugs: BugLog,
  rules: AnswerRules,
  read: ReadMode = 'to-end',
): Promise<{ resolved: ResolvedRequest; answer: Answer }> {
  const mark = bugs.mark;
  const resolved = resolveRequest(request, world);
  const answer = await ask(world.origin, resolved, read);
  // onError first: what it got names the bug, where the answer (a 500, say) only shows it.
  bugs.expectNoneSince(mark, `answered ${answer.status} ${preview(Buffer.from(answer.body))}`);
  checkAnswer(resolved, answer, rules);
  return { resolved, answer };
}

// ── Well-formed requests, for the checks after a run ───────────────────────

/** The `Accept` every well-formed POST sends. */
export const ACCEPT_BOTH = 'application/json, text/event-stream';

/** A well-formed handshake-era `initialize`, as `fetch` options. */
export function initializeRequest(id: number, protocolVersion = '2025-11-25'): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'initialize',
      params: {
        protocolVersion,
        capabilities: {},
        clientInfo: { name: 'fuzz-check', version: '1.0.0' },
      },
    }),
  };
}

/** A well-formed revision 2026-07-28 `tools/list`, as `fetch` options. */
export function toolsList2026(id: number): RequestInit {
  return {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: ACCEPT_BOTH,
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'tools/list',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/list',
      params: {
        _meta: { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} },
      },
    }),
  };
}

/**
 * The fuzzer's generators: fast-check arbitraries for hostile HTTP requests to
 * every stage, built from the parts a client controls (the body, each header,
 * the method, the path, the session id, the `Last-Event-ID`).
 *
 * Teaches: where an MCP server meets input it did not write. A body may be any
 * bytes: truncated JSON, JSON that is not JSON-RPC, JSON-RPC with the wrong
 * types, ids no JavaScript number holds exactly, nesting deep enough to break
 * a recursive function. Every header may be absent, repeated, misspelt, or a
 * value chosen to confuse a parser (`Content-Encoding: gzip` over plain text, a
 * Base64 sentinel that decodes to nothing). A session id or an event id may be
 * a real one changed by a byte. Each generator mixes mostly well-formed parts
 * with a few hostile ones, so that a request gets past the early checks often
 * enough to reach the later ones.
 * What a generated request cannot know in advance (the server's port, the
 * session ids it minted, the event ids it sent) is a reference
 * ({@link SessionRef}, {@link EventRef}, {@link OriginRef}) that
 * {@link resolveRequest} fills in when the request is sent.
 * Read next: oracle.ts, what every answer must be; wire.ts for what `fetch` cannot send.
 * @module
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { SUPPORTED_VERSIONS, MetaKey } from '../../shared/protocol/versions.ts';

// ── References filled in at send time ───────────────────────────────────────

/** A session id a request sends, as a reference to the sessions the test opened. */
export type SessionRef =
  /** One of the test's sessions, exactly (by index, modulo their number). */
  | { kind: 'valid'; which: number }
  /** One of the test's sessions, changed: another session's id with a suffix, in upper case, cut short. */
  | {
      kind: 'mangled';
      which: number;
      how: 'suffix' | 'prefix' | 'upper' | 'truncated';
      extra: string;
    }
  /** Any other value: garbage, a well-formed UUID nobody minted, a very long one. */
  | { kind: 'literal'; value: string };

/** How a real event id is rewritten into one the server never sent, with the same number in it. */
export type NonCanonicalForm =
  | 'leading-zero'
  | 'plus'
  | 'exponent'
  | 'fraction'
  | 'hex'
  | 'binary'
  | 'inner-space'
  | 'negative'
  | 'empty-sequence'
  | 'double-slash'
  | 'upper-stream';

/** A `Last-Event-ID`, as a reference to the event ids the server sent the test's sessions. */
export type EventRef =
  /** An id the server sent on a stream of session `which` (sent with any session id). */
  | { kind: 'issued'; which: number; index: number }
  /** An issued id rewritten: the same stream and number, not the same text. */
  | { kind: 'non-canonical'; which: number; index: number; form: NonCanonicalForm }
  /** A canonical id past the last event of a stream. */
  | { kind: 'beyond'; which: number; extra: number }
  /** Any other value. */
  | { kind: 'literal'; value: string };

/** An `Origin`, as a reference to the server's own origin. */
export type OriginRef =
  | { kind: 'same' }
  | { kind: 'other-port' }
  | { kind: 'localhost' }
  | { kind: 'literal'; value: string };

/** One generated request, before its references are resolved. */
export interface HostileRequest {
  /** The HTTP method. */
  method: string;
  /** Path and query; {@link HostileRequest.pathSession} is appended when set. */
  path: string;
  /** A session id appended (URL-encoded) to the path: stage 02's `?sessionId=`. */
  pathSession?: SessionRef | undefined;
  /** Appended after {@link HostileRequest.pathSession}. */
  pathSuffix?: string | undefined;
  /** Headers in order, as `fetch` can send them (names may repeat). */
  headers: Array<[string, string]>;
  /** `Mcp-Session-Id`, resolved at send time. */
  session?: SessionRef | undefined;
  /** `Last-Event-ID`, resolved at send time. */
  lastEventId?: EventRef | undefined;
  /** `Origin`, resolved at send time. */
  origin?: OriginRef | undefined;
  /** The body as sent, after any `Content-Encoding`; none for `undefined`. */
  body?: Uint8Array | undefined;
  /** The body before its `Content-Encoding`: what the server reads once it decodes it. */
  plain?: Uint8Array | undefined;
  /** What the `Content-Encoding` header claims of the body, for the counterexample: `gzip (really)`, `gzip (claimed only)`. */
  encoding?: string | undefined;
}

/** What the test knows at send time: the server's origin, its sessions, the event ids it sent them. */
export interface World {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The ids of the test's sessions (may be empty: sessionless servers). */
  sessions: readonly string[];
  /** Event ids the server sent each session (all its streams together), by session id. */
  issued: ReadonlyMap<string, readonly string[]>;
}

/** A request ready for the wire: every reference replaced by a value. */
export interface ResolvedRequest {
  /** The HTTP method. */
  method: string;
  /** Path and query. */
  path: string;
  /** Every header, `Mcp-Session-Id`, `Last-Event-ID` and `Origin` included. */
  headers: Array<[string, string]>;
  /** The body as sent. */
  body?: Uint8Array | undefined;
  /** The body before its `Content-Encoding`. */
  plain?: Uint8Array | undefined;
}

/**
 * Fills a request's references in from what the test knows now.
 *
 * @example
 * ```ts
 * const request = resolveRequest(hostile, { origin: 'http://127.0.0.1:4000', sessions: [id], issued });
 * ```
 */
export function resolveRequest(request: HostileRequest, world: World): ResolvedRequest {
  const headers: Array<[string, string]> = [...request.headers];
  const session = request.session && resolveSession(request.session, world);
  if (session !== undefined) headers.push(['Mcp-Session-Id', session]);
  const lastEventId = request.lastEventId && resolveEvent(request.lastEventId, world);
  if (lastEventId !== undefined) headers.push(['Last-Event-ID', lastEventId]);
  if (request.origin) headers.push(['Origin', resolveOrigin(request.origin, world.origin)]);
  const pathSession = request.pathSession && resolveSession(request.pathSession, world);
  const path =
    request.path +
    (pathSession === undefined ? '' : encodeURIComponent(pathSession)) +
    (request.pathSuffix ?? '');
  return { method: request.method, path, headers, body: request.body, plain: request.plain };
}

function resolveSession(ref: SessionRef, world: World): string | undefined {
  if (ref.kind === 'literal') return ref.value;
  const id = pick(world.sessions, ref.which);
  if (id === undefined) return undefined;
  if (ref.kind === 'valid') return id;
  switch (ref.how) {
    case 'suffix':
      return `${id}${ref.extra}`;
    case 'prefix':
      return `${ref.extra}${id}`;
    case 'upper':
      return id.toUpperCase();
    default:
      return id.slice(0, -1);
  }
}

function resolveEvent(ref: EventRef, world: World): string | undefined {
  if (ref.kind === 'literal') return ref.value;
  const session = pick(world.sessions, ref.which);
  const issued = session === undefined ? [] : (world.issued.get(session) ?? []);
  if (ref.kind === 'beyond') {
    const last = issued.at(-1);
    if (last === undefined) return undefined;
    const { stream, sequence } = splitEventId(last);
    return `${stream}/${sequence + ref.extra}`;
  }
  const id = pick(issued, ref.index);
  if (id === undefined) return undefined;
  if (ref.kind === 'issued') return id;
  const { stream, sequence: n } = splitEventId(id);
  const forms: Record<NonCanonicalForm, string> = {
    'leading-zero': `${stream}/0${n}`,
    plus: `${stream}/+${n}`,
    exponent: `${stream}/${n}e0`,
    fraction: `${stream}/${n}.0`,
    hex: `${stream}/0x${n.toString(16)}`,
    binary: `${stream}/0b${n.toString(2)}`,
    'inner-space': `${stream}/\t${n}`,
    negative: `${stream}/-${n}`,
    'empty-sequence': `${stream}/`,
    'double-slash': `${stream}//${n}`,
    'upper-stream': `${stream.toUpperCase()}/${n}`,
  };
  return forms[ref.form];
}

function resolveOrigin(ref: OriginRef, origin: string): string {
  const url = new URL(origin);
  switch (ref.kind) {
    case 'same':
      return origin;
    case 'other-port':
      return `http://127.0.0.1:${Number(url.port) === 1 ? 2 : Number(url.port) - 1}`;
    case 'localhost':
      return `http://localhost:${url.port}`;
    default:
      return ref.value;
  }
}

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** `<stream>/<sequence>`, split at the last `/`. */
export function splitEventId(id: string): { stream: string; sequence: number } {
  const slash = id.lastIndexOf('/');
  return { stream: id.slice(0, slash), sequence: Number(id.slice(slash + 1)) };
}

// ── Strings ──────────────────────────────────────────────────────────────────

/** One character `fetch` will put in a header value: visible ASCII, space, or Latin-1. */
const headerChar = fc
  .oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  )
  .map((code) => String.fromCharCode(code));

/** A header value `fetch` can send (it trims surrounding spaces itself). */
export function headerValue(maxLength = 24): fc.Arbitrary<string> {
  return fc.string({ unit: headerChar, maxLength });
}

/** Header names `fetch` sets or refuses itself: a fuzzed header never takes one of them. */
const FETCH_OWNED = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

/** A header name: an RFC 9110 token. */
const headerName = fc
  .stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/)
  .filter((name) => !FETCH_OWNED.has(name.toLowerCase()));

/** Strings a parser or a lookup may trip on. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u2028\u2029',
  '\u202e',
  '\ufeff',
  'a\r\nb',
  '"',
  '\\',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '=?base64?ZWNobw==?=',
  '../../../etc/passwd',
  '%00',
  '𝕏'.repeat(50),
  'x'.repeat(70_000),
];

/** A string value for JSON: any code point, control characters and lone surrogates included. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
);

// ── JSON as text ─────────────────────────────────────────────────────────────
// Bodies are built as text, not as values passed to JSON.stringify: an id such
// as 9007199254740993 or 1e400 exists only as text, and a nesting 100,000 deep
// would overflow JSON.stringify in the test itself.

/** `{"k":v,...}` from member texts. */
export function objectText(members: ReadonlyArray<readonly [string, string]>): string {
  return `{${members.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/** Numbers as text: huge, tiny, beyond 2^53, with fractions and exponents. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.integer().map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '-9007199254740993',
      '18446744073709551616',
      '1e308',
      '1e309',
      '-1e400',
      '1e-400',
      '1.0',
      '-0',
      '1E3',
      '0.1',
      '123456789012345678901234567890',
    ),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
  { weight: 1, arbitrary: fc.stringMatching(/^-?[1-9][0-9]{25,400}$/) },
  {
    weight: 1,
    arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  },
);

/** JSON nested `depth` levels deep: the shape recursive code overflows on. */
export const deepText: fc.Arbitrary<string> = fc
  .record({
    depth: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 60, max: 70 }) },
      { weight: 2, arbitrary: fc.integer({ min: 500, max: 5_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 50_000, max: 150_000 }) },
    ),
    shape: fc.constantFrom('array', 'object'),
  })
  .map(({ depth, shape }) =>
    shape === 'array'
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`,
  );

/** Any JSON value as text, nested junk included (a recursive generator, bounded in depth). */
export const junkText: fc.Arbitrary<string> = fc.letrec<{ junk: string }>((tie) => ({
  junk: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString.map((s) => JSON.stringify(s)),
    numberText,
    fc.constantFrom('true', 'false', 'null', '{}', '[]'),
    fc.array(tie('junk'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(hostileString, tie('junk')), { maxLength: 4 })
      .map((members) => objectText(members)),
  ),
})).junk;

/** A value of any type as text, deep nesting now and then. */
const anyValueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: junkText },
  { weight: 1, arbitrary: deepText },
);

/** An id as text: well-formed ones, and the wrong types and numbers JSON-RPC ids must not be. */
export const idText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1_000, max: 1_000_000 }).map(String) },
  { weight: 2, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  { weight: 3, arbitrary: numberText },
  { weight: 1, arbitrary: fc.constantFrom('null', 'true', '[]', '{}', '[1]', '{"id":1}') },
);

// ── JSON-RPC messages ────────────────────────────────────────────────────────

/** Methods of both eras, notifications, and names a lookup table may trip on. */
const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'server/discover',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'resources/read',
  'prompts/get',
  'logging/setLevel',
  'rpc.discover',
  '__proto__',
  'constructor',
  'toString',
  '',
];

/** The tools the fuzzed servers offer, and names they do not. */
const TOOL_NAMES = ['echo', 'search_issues', 'routed', 'nope', '__proto__', 'constructor'];

const methodText = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...METHODS).map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom('1', 'null', 'true', '["ping"]', '{}') },
);

const versionText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SUPPORTED_VERSIONS).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('"2024-10-07"', '"2099-01-01"', '""', '20251125', 'null'),
  },
  { weight: 1, arbitrary: junkText },
);

/**
 * `search_issues` arguments that, when valid, finish at once: the fuzzer
 * exercises the slow tool's schema and stream without waiting on it.
 */
const searchArgumentsText = fc
  .record({
    query: fc.oneof(
      hostileString.map((s) => JSON.stringify(s)),
      junkText,
    ),
    pages: fc.oneof(fc.integer({ min: -2, max: 3 }).map(String), numberText, junkText),
    delayMs: fc.oneof(
      fc.integer({ min: -5, max: 2 }).map(String),
      fc.constantFrom('-1e309', 'null'),
    ),
  })
  .map(({ query, pages, delayMs }) =>
    objectText([
      ['query', query],
      ['pages', pages],
      ['delayMs', delayMs],
    ]),
  );

const argumentsText = fc.oneof(
  {
    weight: 2,
    arbitrary: hostileString.map((text) => objectText([['text', JSON.stringify(text)]])),
  },
  { weight: 2, arbitrary: searchArgumentsText },
  {
    // Around maxToolArgumentsBytes (256 KiB), under the body limit (1 MiB).
    weight: 1,
    arbitrary: fc
      .integer({ min: 250_000, max: 300_000 })
      .map((n) => objectText([['text', JSON.stringify('x'.repeat(n))]])),
  },
  { weight: 2, arbitrary: anyValueText },
);

/** `_meta` of either era: the 2026 fields right, wrong, missing, or buried in junk. */
export const metaText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          version: versionText,
          capabilities: fc.oneof(fc.constant('{}'), anyValueText),
          clientInfo: junkText,
          progressToken: fc.oneof(fc.integer().map(String), junkText),
          extra: fc.array(fc.tuple(hostileString, anyValueText), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      )
      .map(({ version, capabilities, clientInfo, progressToken, extra }) =>
        objectText([
          ...(version === undefined ? [] : [[MetaKey.protocolVersion, version] as const]),
          ...(capabilities === undefined
            ? []
            : [[MetaKey.clientCapabilities, capabilities] as const]),
          ...(clientInfo === undefined ? [] : [[MetaKey.clientInfo, clientInfo] as const]),
          ...(progressToken === undefined ? [] : [['progressToken', progressToken] as const]),
          ...(extra ?? []),
        ]),
      ),
  },
  { weight: 1, arbitrary: anyValueText },
);

/** A `params` member, one at a time: the ones each method reads, and others. */
const paramMember: fc.Arbitrary<readonly [string, string]> = fc.oneof(
  fc.tuple(
    fc.constant('name'),
    fc.oneof(
      fc.constantFrom(...TOOL_NAMES).map((n) => JSON.stringify(n)),
      junkText,
    ),
  ),
  fc.tuple(fc.constant('arguments'), argumentsText),
  fc.tuple(fc.constant('protocolVersion'), versionText),
  fc.tuple(fc.constant('capabilities'), fc.oneof(fc.constant('{}'), anyValueText)),
  fc.tuple(
    fc.constant('clientInfo'),
    fc.oneof(fc.constant('{"name":"fuzz","version":"1"}'), junkText),
  ),
  fc.tuple(fc.constant('cursor'), fc.oneof(fc.constant('""'), junkText)),
  fc.tuple(fc.constant('requestId'), idText),
  fc.tuple(fc.constant('uri'), junkText),
  fc.tuple(fc.constant('_meta'), metaText),
  fc.tuple(hostileString, anyValueText),
);

const paramsText = fc.oneof(
  { weight: 6, arbitrary: fc.array(paramMember, { maxLength: 5 }).map(objectText) },
  { weight: 1, arbitrary: anyValueText },
);

const errorText = fc.oneof(
  fc
    .record({ code: fc.oneof(fc.integer().map(String), numberText), message: junkText })
    .map(({ code, message }) =>
      objectText([
        ['code', code],
        ['message', message],
      ]),
    ),
  junkText,
);

/**
 * A JSON-RPC message as text, each member present or not and of the right
 * type or not: requests, notifications, responses, and things in between.
 */
export const messageText: fc.Arbitrary<string> = fc
  .record(
    {
      jsonrpc: fc.oneof(
        { weight: 12, arbitrary: fc.constant('"2.0"') },
        {
          weight: 1,
          arbitrary: fc.constantFrom('"1.0"', '2', '2.0', 'null', '"2.0 "', '"2"', '["2.0"]'),
        },
      ),
      id: idText,
      method: methodText,
      params: paramsText,
      result: fc.oneof(fc.constant('{}'), anyValueText),
      error: errorText,
    },
    { requiredKeys: [] },
  )
  .map((members) =>
    objectText(
      Object.entries(members).filter(
        (member): member is [string, string] => member[1] !== undefined,
      ),
    ),
  );

/** Requests and notifications a client really sends, with any id: so headers and sessions decide. */
export const wellFormedText: fc.Arbitrary<string> = fc
  .record({
    id: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.string({ maxLength: 8 })),
    call: fc.constantFrom(
      {
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'fuzz', version: '1' },
        },
      },
      {
        method: 'initialize',
        params: {
          protocolVersion: '2025-03-26',
          capabilities: {},
          clientInfo: { name: 'fuzz', version: '1' },
        },
      },
      { method: 'ping' },
      { method: 'tools/list' },
      { method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } },
      {
        method: 'tools/call',
        params: {
          name: 'search_issues',
          arguments: { query: 'x', pages: 2, delayMs: 0 },
          _meta: { progressToken: 'p' },
        },
      },
      {
        method: 'tools/list',
        params: {
          _meta: { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {} },
        },
      },
      { method: 'notifications/initialized', notification: true },
      { method: 'notifications/cancelled', params: { requestId: 1 }, notification: true },
    ),
  })
  .map(({ id, call }) =>
    JSON.stringify({
      jsonrpc: '2.0',
      ...('notification' in call ? {} : { id }),
      method: call.method,
      ...('params' in call ? { params: call.params } : {}),
    }),
  );

/** A request a server answers, under an id of any type and size: ids are what answers are matched by. */
export const hostileIdText: fc.Arbitrary<string> = fc
  .record({
    id: idText,
    method: fc.constantFrom('ping', 'tools/list', 'initialize', 'nope'),
  })
  .map(({ id, method }) =>
    objectText([
      ['jsonrpc', '"2.0"'],
      ['id', id],
      ['method', JSON.stringify(method)],
      ...(method === 'initialize'
        ? [
            [
              'params',
              '{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}',
            ] as const,
          ]
        : []),
    ]),
  );

/** A batch: any messages, nested arrays, and now and then more entries than any limit allows. */
export const batchText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(messageText, wellFormedText, hostileIdText, anyValueText), { maxLength: 6 })
      .map((entries) => `[${entries.join(',')}]`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 60, max: 300 })
      .map(
        (n) =>
          `[${Array.from({ length: n }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"ping"}`).join(',')}]`,
      ),
  },
);

/** A text body cut, or with a byte that breaks it: truncated JSON, raw control characters, a BOM. */
const corruptedText: fc.Arbitrary<string> = fc
  .record({
    text: fc.oneof(wellFormedText, messageText),
    at: fc.nat(),
    how: fc.constantFrom('truncate', 'control', 'nul', 'bom', 'trailing', 'quote', 'leading-space'),
  })
  .map(({ text, at, how }) => {
    const i = at % (text.length + 1);
    switch (how) {
      case 'truncate':
        return text.slice(0, i);
      case 'control':
        return `${text.slice(0, i)}\u0001${text.slice(i)}`;
      case 'nul':
        return `${text.slice(0, i)}\u0000${text.slice(i)}`;
      case 'bom':
        return `\ufeff${text}`;
      case 'trailing':
        return `${text}}`;
      case 'quote':
        return `${text.slice(0, i)}"${text.slice(i)}`;
      default:
        return ` \t\r\n${text}`;
    }
  });

/** Any body as bytes. */
export const bodyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: messageText.map(utf8) },
  { weight: 3, arbitrary: wellFormedText.map(utf8) },
  { weight: 2, arbitrary: hostileIdText.map(utf8) },
  { weight: 2, arbitrary: corruptedText.map(utf8) },
  { weight: 1, arbitrary: batchText.map(utf8) },
  {
    weight: 1,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => utf8(JSON.stringify(value))),
  },
  { weight: 1, arbitrary: deepText.map(utf8) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  {
    weight: 1,
    // Invalid UTF-8 inside an otherwise valid request: a lone continuation byte, an overlong form.
    arbitrary: fc
      .constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff])
      .map((bad) =>
        Buffer.concat([
          utf8('{"jsonrpc":"2.0","id":"'),
          Buffer.from(bad),
          utf8('","method":"ping"}'),
        ]),
      ),
  },
);

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

// ── Headers ──────────────────────────────────────────────────────────────────

/** `Content-Type`: JSON mostly; charsets, near misses and other types. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/json; charset=latin1',
      'application/json; charset=utf-16le',
      'application/json; charset=bogus',
      'application/json; charset="utf-8"',
      'application/json, text/plain',
      'application/vnd.api+json',
      'application/jsonx',
      'text/plain',
      'text/event-stream',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '*/*',
      '',
      ';',
    ),
  },
  { weight: 1, arbitrary: headerValue() },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** `Accept`: both types mostly; one of them, wildcards, zero weights, garbage. */
export const accept: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json, text/event-stream') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'text/event-stream, application/json',
      'application/json,text/event-stream',
      'APPLICATION/JSON, TEXT/EVENT-STREAM',
      'application/json;q=0.9, text/event-stream;q=0.1',
      'application/json;q=0, text/event-stream;q=0',
      'application/json',
      'text/event-stream',
      '*/*',
      'application/*, text/*',
      '',
      ',,,',
      `${'text/html, '.repeat(500)}application/json, text/event-stream`,
    ),
  },
  { weight: 1, arbitrary: headerValue() },
);

/** `MCP-Protocol-Version`: every supported revision, near misses, and garbage. */
export const protocolVersionHeader: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SUPPORTED_VERSIONS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '2024-10-07',
      '2026-07-29',
      '2025-13-45',
      '2025-11-25, 2025-06-18',
      '2025-11-25 2025-06-18',
      'latest',
      '',
      '1',
      '2025-11-25\u00a0',
    ),
  },
  { weight: 1, arbitrary: headerValue() },
);

/** A `Content-Encoding` header, and what it does to a body: the bytes sent and the bytes they decode to. */
export interface Coding {
  /** The header's value; none for `undefined`. */
  header?: string | undefined;
  /** What the header claims, for the counterexample: `gzip (really)`, `gzip (claimed only)`. */
  how: string;
  /** The body as sent, and the body a server that decodes the coding reads. */
  encode: (body: Uint8Array) => { sent: Uint8Array; plain: Uint8Array };
}

const asIs = (body: Uint8Array) => ({ sent: body, plain: body });

/** `Content-Encoding`: none mostly; real compression, a false claim, a bomb, unknown codings. */
export const contentEncoding: fc.Arbitrary<Coding> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Coding>({ how: 'none', encode: asIs }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('gzip', 'deflate', 'br').map((header): Coding => ({
      header,
      how: `${header} (really)`,
      encode: (body) => ({
        sent:
          header === 'gzip'
            ? gzipSync(body)
            : header === 'deflate'
              ? deflateSync(body)
              : brotliCompressSync(body),
        plain: body,
      }),
    })),
  },
  {
    weight: 2,
    // The coding is claimed, the bytes are not in it.
    arbitrary: fc
      .constantFrom('gzip', 'deflate', 'br')
      .map((header): Coding => ({ header, how: `${header} (claimed only)`, encode: asIs })),
  },
  {
    weight: 1,
    arbitrary: fc.constant<Coding>({
      header: 'gzip',
      how: 'gzip (cut short)',
      encode: (body) => ({ sent: gzipSync(body).subarray(0, 12), plain: body }),
    }),
  },
  {
    weight: 1,
    // Small on the wire, larger than any body limit once inflated.
    arbitrary: fc.constant<Coding>({
      header: 'gzip',
      how: 'gzip (a bomb: 8 MiB inflated)',
      encode: () => ({ sent: GZIP_BOMB, plain: GZIP_BOMB_PLAIN }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          'identity',
          'x-gzip',
          'GZIP',
          'gzip, gzip',
          'gzip, identity',
          'compress',
          'zstd',
          'chunked',
          '',
        ),
        headerValue(12),
      )
      .map((header): Coding => ({
        header,
        how: `${JSON.stringify(header)} (as is)`,
        encode: asIs,
      })),
  },
);

/** A ping padded to 8 MiB, gzipped to a few KiB. */
const GZIP_BOMB_PLAIN = utf8(
  `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'a'.repeat(8 * 1024 * 1024)}"}}`,
);
const GZIP_BOMB = gzipSync(GZIP_BOMB_PLAIN);

/** `Origin`: none mostly; the server's own, a foreign one, `null`, garbage. */
export const origin: fc.Arbitrary<OriginRef | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.constantFrom<OriginRef>({ kind: 'same' }, { kind: 'other-port' }, { kind: 'localhost' }),
      fc
        .constantFrom(
          'null',
          'http://evil.example',
          'https://127.0.0.1',
          'http://127.0.0.1.nip.io',
          'http://[::1]',
          'file://',
          '*',
          '',
        )
        .map((value): OriginRef => ({ kind: 'literal', value })),
      headerValue(40).map((value): OriginRef => ({ kind: 'literal', value })),
    ),
  },
);

/** Base64 sentinels (`=?base64?…?=`): valid, invalid Base64, not UTF-8, misspelt. */
export const SENTINELS = [
  '=?base64?ZWNobw==?=',
  '=?base64?ZWNobw?=',
  '=?base64??=',
  '=?base64?!!!!?=',
  '=?base64?/w==?=',
  '=?BASE64?ZWNobw==?=',
  '=?base64?ZWNobw==',
  '=?base64?ZWNo bw==?=',
  '=?utf-8?q?echo?=',
];

/** `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*`, present or not, right or not (no body to agree with). */
export const metadataHeaders: fc.Arbitrary<Array<[string, string]>> = fc
  .record(
    {
      method: fc.oneof(fc.constantFrom(...METHODS.filter(Boolean)), headerValue()),
      name: fc.oneof(fc.constantFrom(...TOOL_NAMES, ...SENTINELS), headerValue()),
      param: fc.tuple(
        fc.constantFrom('Region', 'Shard', 'Flag', 'Other'),
        fc.oneof(fc.constantFrom('eu', '42', '42.0', 'true', ...SENTINELS), headerValue()),
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ method, name, param }) => [
    ...(method === undefined ? [] : [['Mcp-Method', method] as [string, string]]),
    ...(name === undefined ? [] : [['Mcp-Name', name] as [string, string]]),
    ...(param === undefined ? [] : [[`Mcp-Param-${param[0]}`, param[1]] as [string, string]]),
  ]);

/** A few headers nobody asked for. */
export const extraHeaders: fc.Arbitrary<Array<[string, string]>> = fc.array(
  fc.tuple(headerName, headerValue()),
  { maxLength: 3 },
);

// ── Session ids and event ids ────────────────────────────────────────────────

/** `Mcp-Session-Id` (or stage 02's `sessionId`): a real one, one changed by a little, garbage. */
export const sessionRef: fc.Arbitrary<SessionRef | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.nat(3).map((which): SessionRef => ({ kind: 'valid', which })) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        which: fc.nat(3),
        how: fc.constantFrom('suffix', 'prefix', 'upper', 'truncated'),
        extra: headerValue(6).filter((s) => s.trim() !== ''),
      })
      .map((ref): SessionRef => ({ kind: 'mangled', ...ref })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.uuid(),
        headerValue(),
        fc.constantFrom('', '0', 'null', 'undefined', '__proto__', '../', '*'),
        fc.integer({ min: 1_000, max: 8_000 }).map((n) => 'a'.repeat(n)),
      )
      .map((value): SessionRef => ({ kind: 'literal', value })),
  },
);

/** `Last-Event-ID`: one the server sent, the same rewritten, past the end, garbage. */
export const eventRef: fc.Arbitrary<EventRef | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc
      .record({ which: fc.nat(3), index: fc.nat(10) })
      .map((ref): EventRef => ({ kind: 'issued', ...ref })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        which: fc.nat(3),
        index: fc.nat(10),
        form: fc.constantFrom<NonCanonicalForm>(
          'leading-zero',
          'plus',
          'exponent',
          'fraction',
          'hex',
          'binary',
          'inner-space',
          'negative',
          'empty-sequence',
          'double-slash',
          'upper-stream',
        ),
      })
      .map((ref): EventRef => ({ kind: 'non-canonical', ...ref })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ which: fc.nat(3), extra: fc.integer({ min: 1, max: 1_000 }) })
      .map((ref): EventRef => ({ kind: 'beyond', ...ref })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.uuid().map((stream) => `${stream}/0`),
        headerValue(),
        fc.constantFrom(
          '',
          '/',
          '0',
          '/0',
          '-1',
          'NaN',
          'Infinity',
          '__proto__/0',
          'a/9007199254740993',
        ),
        fc.integer({ min: 1_000, max: 8_000 }).map((n) => `${'s'.repeat(n)}/1`),
      )
      .map((value): EventRef => ({ kind: 'literal', value })),
  },
);

// ── Requests ─────────────────────────────────────────────────────────────────

/** What one stage's requests look like: where they go and which parts vary. */
export interface RequestShape {
  /** Methods, most likely first. */
  methods: readonly string[];
  /** Paths, most likely first. */
  paths: readonly string[];
  /** Stage 02's `POST /message?sessionId=`: the session goes in the query, not in a header. */
  sessionInQuery?: boolean;
  /** Stage 03: `Mcp-Session-Id` headers. */
  sessionHeader?: boolean;
  /** Stage 03 with sessions: `Last-Event-ID` headers. */
  lastEventId?: boolean;
}

/**
 * Hostile requests of one shape: every part drawn from the generators above.
 * `fetch` can send all of them (HEAD, and the bytes it refuses, are wire.ts's).
 *
 * @example
 * ```ts
 * fc.asyncProperty(hostileRequest({ methods: ['POST'], paths: ['/mcp'] }), async (request) => { ... });
 * ```
 */
export function hostileRequest(shape: RequestShape): fc.Arbitrary<HostileRequest> {
  return fc
    .record({
      method: weightedFirst(shape.methods),
      path: weightedFirst(shape.paths),
      body: bodyBytes,
      encoding: contentEncoding,
      contentType,
      accept: fc.option(accept, { freq: 12, nil: undefined }),
      version: fc.option(protocolVersionHeader, { freq: 2, nil: undefined }),
      metadata: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: metadataHeaders },
      ),
      extra: extraHeaders,
      origin,
      session: shape.sessionHeader || shape.sessionInQuery ? sessionRef : fc.constant(undefined),
      querySuffix: fc.constantFrom('', '', '', '&sessionId=other', '&x=1'),
      lastEventId: shape.lastEventId ? eventRef : fc.constant(undefined),
    })
    .map((parts) => {
      const bodyless = parts.method === 'GET' || parts.method === 'HEAD';
      const headers: Array<[string, string]> = [];
      if (parts.contentType !== undefined && !bodyless)
        headers.push(['Content-Type', parts.contentType]);
      if (parts.encoding.header !== undefined && !bodyless)
        headers.push(['Content-Encoding', parts.encoding.header]);
      // Without an Accept of its own, fetch sends `*/*`: absent is the same as that.
      headers.push(['Accept', parts.accept ?? '*/*']);
      if (parts.version !== undefined) headers.push(['MCP-Protocol-Version', parts.version]);
      headers.push(...(parts.metadata ?? []), ...parts.extra);
      const inQuery = shape.sessionInQuery === true && parts.path.endsWith('sessionId=');
      const encoded = bodyless ? undefined : parts.encoding.encode(parts.body);
      return described<HostileRequest>({
        method: parts.method,
        path: parts.path,
        pathSession: inQuery ? parts.session : undefined,
        pathSuffix: inQuery ? parts.querySuffix : undefined,
        headers,
        session: shape.sessionHeader ? parts.session : undefined,
        lastEventId: parts.lastEventId,
        origin: parts.origin,
        body: encoded?.sent,
        plain: encoded?.plain,
        encoding: encoded && parts.encoding.header !== undefined ? parts.encoding.how : undefined,
      });
    });
}

/** One of `items`, the first one half the time. */
function weightedFirst(items: readonly string[]): fc.Arbitrary<string> {
  const [first = '', ...rest] = items;
  return rest.length === 0
    ? fc.constant(first)
    : fc.oneof(
        { weight: 1, arbitrary: fc.constant(first) },
        { weight: 1, arbitrary: fc.constantFrom(...rest) },
      );
}

/**
 * Gives a request a short description for fast-check's counterexample: the
 * method, path, headers and the body's first bytes, not 300 KiB of it.
 */
export function described<
  T extends { body?: Uint8Array | undefined; plain?: Uint8Array | undefined },
>(request: T): T {
  return Object.assign(request, {
    [fc.toStringMethod]: () => {
      const { body, plain, ...rest } = request as T & Record<string, unknown>;
      return JSON.stringify({
        ...rest,
        ...(plain === undefined ? {} : { plain: preview(plain) }),
        ...(body === undefined || body === plain ? {} : { body: preview(body) }),
      });
    },
  });
}

/** The first bytes of a body, as text, and its length. */
export function preview(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8');
  return text.length <= 240
    ? text
    : `${text.slice(0, 200)}…${text.slice(-20)} (${bytes.length} bytes)`;
}

// Fuzzing every stage on the wire, with requests fetch will not send (wire.ts):
// malformed HTTP (control bytes in a header, a bad header name, no Host, a header
// section over the server's limit, thousands of headers, Content-Length and
// Transfer-Encoding together, broken chunks, bad request lines, bare LF), HEAD on
// every path followed by a second request on the same connection, and a body
// declared far larger than the limit of which only a few bytes ever come. One
// server per stage for the file (stage 03 twice: with sessions, sessionless).
// Replay a failure with the seed and path fast-check prints:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run lab/fuzz/wire.test.ts -t '<test name>'
// FUZZ_RUNS=<n> changes how many requests each property sends.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createPlainHttpServer } from '../../01-plain-http/server.ts';
import { createHttpSseServer } from '../../02-http-sse/server.ts';
import { createStreamableHttpServer } from '../../03-streamable-http/server.ts';
import { DEFAULT_LIMITS } from '../../shared/limits.ts';
import type { ResolvedRequest } from './hostile.ts';
import {
  ACCEPT_BOTH,
  BugLog,
  FUZZ_TEST_TIMEOUT_MS,
  HANG_MS,
  answerOf,
  checkAnswer,
  fuzzParameters,
  initializeRequest,
} from './oracle.ts';
import { openSseSession, type OpenSseSession } from './sse-session.ts';
import { WireTimeout, exchange, type WireExchange } from './wire.ts';

/** One stage's server, as the wire sees it. */
interface Target {
  name: string;
  port: number;
  /** Where a POST body is read: the stage's endpoint, with a real session where it needs one. */
  post: string;
  /** Headers that make a POST to `post` a good one (a session, for stage 03). */
  headers: Array<[string, string]>;
  /** Every path the stage routes, and a few it does not. */
  paths: string[];
  /** The revision of the session `headers` names, if any. */
  sessionRevision?: string | undefined;
  close(): Promise<void>;
}

const bugs = new BugLog();
let targets: Target[];
let stage02Session: OpenSseSession;

beforeAll(async () => {
  const one = await createPlainHttpServer({ port: 0, onError: bugs.record });
  const two = await createHttpSseServer({ port: 0, onError: bugs.record });
  const three = await createStreamableHttpServer({ port: 0, onError: bugs.record });
  const sessionless = await createStreamableHttpServer({
    port: 0,
    sessionless: true,
    onError: bugs.record,
  });
  stage02Session = await openSseSession(two.url);
  const initialized = await fetch(three.url, initializeRequest(1));
  const session = initialized.headers.get('mcp-session-id') ?? '';
  const port = (url: string) => Number(new URL(url).port);
  const json: Array<[string, string]> = [
    ['Content-Type', 'application/json'],
    ['Accept', ACCEPT_BOTH],
  ];
  const mcpPaths = ['/mcp', '/MCP', '/mcp/', '/mcp?x=1', '/', '/sse', '/message', '/nope'];
  const named = (target: Target): Target =>
    Object.assign(target, { [fc.toStringMethod]: () => target.name });
  targets = [
    {
      name: 'stage 01',
      port: port(one.url),
      post: '/mcp',
      headers: json,
      paths: mcpPaths,
      close: () => one.close(),
    },
    {
      name: 'stage 02',
      port: port(two.url),
      post: `/message?sessionId=${stage02Session.id}`,
      headers: json,
      paths: ['/sse', '/SSE', `/message?sessionId=${stage02Session.id}`, '/message', '/mcp', '/'],
      close: () => two.close(),
    },
    {
      name: 'stage 03',
      port: port(three.url),
      post: '/mcp',
      headers: [...json, ['Mcp-Session-Id', session] as [string, string]],
      paths: mcpPaths,
      sessionRevision: '2025-11-25',
      close: () => three.close(),
    },
    {
      name: 'stage 03 sessionless',
      port: port(sessionless.url),
      post: '/mcp',
      headers: json,
      paths: mcpPaths,
      close: () => sessionless.close(),
    },
  ].map((target: Target) => named(target));
});
afterAll(async () => {
  stage02Session.close();
  await Promise.all(targets.map((target) => target.close()));
});

/** A request as raw parts, before it is written out. */
interface RawParts {
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  /** The body bytes exactly as written (already chunked when Transfer-Encoding says so). */
  body: Buffer;
  /** What the body decodes to, for the oracle. */
  plain: Buffer;
  lineEnd: string;
  /** Bytes to put in the head as they are (a folded line, a line without a colon). */
  rawLines?: string[];
  /** Leave out the Content-Length the body would otherwise get. */
  noLength?: boolean;
}

function render(parts: RawParts): Buffer {
  const { lineEnd: eol } = parts;
  const lines = [
    `${parts.method} ${parts.target} ${parts.version}`,
    ...parts.headers.map(([name, value]) => `${name}: ${value}`),
    ...(parts.rawLines ?? []),
    ...(parts.noLength ? [] : [`Content-Length: ${parts.body.length}`]),
  ];
  return Buffer.concat([Buffer.from(`${lines.join(eol)}${eol}${eol}`, 'latin1'), parts.body]);
}

/** The parts of a good POST to `target`: what each corruption starts from. */
function goodPost(target: Target): RawParts {
  const body = Buffer.from('{"jsonrpc":"2.0","id":7,"method":"ping"}');
  return {
    method: 'POST',
    target: target.post,
    version: 'HTTP/1.1',
    headers: [['Host', `127.0.0.1:${target.port}`], ...target.headers],
    body,
    plain: body,
    lineEnd: '\r\n',
  };
}

/** What the oracle is told the request was. */
function asResolved(parts: RawParts): ResolvedRequest {
  return {
    method: parts.method,
    path: parts.target,
    headers: parts.headers,
    body: parts.body,
    plain: parts.plain,
  };
}

type Corruption = (parts: RawParts, target: Target) => RawParts;

/** Bytes no header value may hold (only tab among the controls), each on its own. */
const CONTROL_BYTES = [0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x0d, 0x0a, 0x0e, 0x1b, 0x7f];

const withHeader =
  (name: string, value: string): Corruption =>
  (parts) => ({ ...parts, headers: [...parts.headers, [name, value]] });

/** One way to break (or stretch) the HTTP of a good request, named for the counterexample. */
const corruption: fc.Arbitrary<{ name: string; apply: Corruption }> = fc
  .oneof(
    fc
      .record({
        byte: fc.constantFrom(...CONTROL_BYTES),
        header: fc.constantFrom('Accept', 'X-Fuzz', 'Mcp-Session-Id', 'Last-Event-ID', 'Mcp-Name'),
        at: fc.nat(8),
      })
      .map(({ byte, header, at }) => ({
        name: `byte 0x${byte.toString(16)} in ${header}`,
        apply: (parts: RawParts): RawParts => {
          const existing = parts.headers.find(([name]) => name === header)?.[1] ?? 'value';
          const i = Math.min(at, existing.length);
          const value = `${existing.slice(0, i)}${String.fromCharCode(byte)}${existing.slice(i)}`;
          return {
            ...parts,
            headers: [...parts.headers.filter(([name]) => name !== header), [header, value]],
          };
        },
      })),
    fc
      .constantFrom('X Fuzz', 'X\tFuzz', '', 'Ü-Fuzz', 'X(F)', 'X"F', 'X/F', '[X]', 'X\u0000F')
      .map((name) => ({
        name: `header name ${JSON.stringify(name)}`,
        apply: withHeader(name, 'v'),
      })),
    fc
      .constantFrom<[string, Corruption]>(
        [
          'no Host',
          (parts) => ({ ...parts, headers: parts.headers.filter(([n]) => n !== 'Host') }),
        ],
        ['two Hosts', withHeader('Host', 'evil.example')],
        [
          'Host: evil.example only',
          (parts) => ({
            ...parts,
            headers: [['Host', 'evil.example'], ...parts.headers.filter(([n]) => n !== 'Host')],
          }),
        ],
        ['Content-Length and Transfer-Encoding', withHeader('Transfer-Encoding', 'chunked')],
        ['obs-fold', (parts) => ({ ...parts, rawLines: ['X-Fuzz: a', ' folded'] })],
        ['line without a colon', (parts) => ({ ...parts, rawLines: ['X-Fuzz value'] })],
        ['space before the colon', (parts) => ({ ...parts, rawLines: ['X-Fuzz : v'] })],
        ['bare LF line ends', (parts) => ({ ...parts, lineEnd: '\n' })],
        [
          'HTTP/1.0 without Host',
          (parts) => ({
            ...parts,
            version: 'HTTP/1.0',
            headers: parts.headers.filter(([n]) => n !== 'Host'),
          }),
        ],
        ['Expect: 100-continue', withHeader('Expect', '100-continue')],
        ['Expect: something else', withHeader('Expect', 'x-fuzz')],
        [
          'Upgrade: websocket',
          (parts) => ({
            ...parts,
            headers: [...parts.headers, ['Connection', 'Upgrade'], ['Upgrade', 'websocket']],
          }),
        ],
        [
          'Upgrade: h2c',
          (parts) => ({
            ...parts,
            headers: [
              ...parts.headers,
              ['Connection', 'Upgrade, HTTP2-Settings'],
              ['Upgrade', 'h2c'],
              ['HTTP2-Settings', 'AAMAAABkAAQAAP__'],
            ],
          }),
        ],
        ['Latin-1 bytes in Mcp-Session-Id', withHeader('Mcp-Session-Id', 'caf\u00e9\u00ff')],
        [
          'Latin-1 bytes in Accept',
          (parts) => ({
            ...parts,
            headers: [
              ...parts.headers.filter(([n]) => n !== 'Accept'),
              ['Accept', 'application/json\u00a0, text/event-stream'],
            ],
          }),
        ],
      )
      .map(([name, apply]) => ({ name, apply })),
    fc.integer({ min: 16_500, max: 40_000 }).map((size) => ({
      name: `one header of ${size} bytes`,
      apply: withHeader('X-Big', 'a'.repeat(size)),
    })),
    fc.integer({ min: 200, max: 3_000 }).map((count) => ({
      name: `${count} headers`,
      apply: (parts: RawParts): RawParts => ({
        ...parts,
        headers: [
          ...parts.headers,
          ...Array.from({ length: count }, (_, i): [string, string] => [`X-${i}`, `${i}`]),
        ],
      }),
    })),
    fc
      .constantFrom('abc', '-1', '1, 2', '0x10', '+5', '1.5', '', '99999999999999999999999999')
      .map((length) => ({
        name: `Content-Length: ${JSON.stringify(length)}`,
        apply: (parts: RawParts): RawParts => ({
          ...parts,
          noLength: true,
          headers: [...parts.headers, ['Content-Length', length]],
        }),
      })),
    fc.constant({
      name: 'two different Content-Lengths',
      apply: (parts: RawParts): RawParts => ({
        ...parts,
        noLength: true,
        headers: [
          ...parts.headers,
          ['Content-Length', String(parts.body.length)],
          ['Content-Length', '3'],
        ],
      }),
    }),
    fc
      .constantFrom(
        'zz\r\nabc\r\n0\r\n\r\n',
        '3\r\nabcdef\r\n0\r\n\r\n',
        '-1\r\nabc\r\n0\r\n\r\n',
        '3;\u0001\r\nabc\r\n0\r\n\r\n',
        '3\nabc\n0\n\n',
      )
      .map((chunks) => ({
        name: `broken chunks ${JSON.stringify(chunks)}`,
        apply: (parts: RawParts): RawParts => ({
          ...parts,
          noLength: true,
          headers: [...parts.headers, ['Transfer-Encoding', 'chunked']],
          body: Buffer.from(chunks, 'latin1'),
        }),
      })),
    fc.constantFrom('gzip', 'chunked, gzip', 'identity', 'xchunked').map((coding) => ({
      name: `Transfer-Encoding: ${coding}`,
      apply: withHeader('Transfer-Encoding', coding),
    })),
    fc
      .constantFrom('HTTP/1.2', 'HTTP/2.0', 'HTTP/1', 'HTTP/9.9', 'http/1.1', 'HTTP/01.1', '')
      .map((version) => ({
        name: `version ${JSON.stringify(version)}`,
        apply: (parts: RawParts): RawParts => ({ ...parts, version }),
      })),
    fc
      .constantFrom('post', 'BREW', 'G\u0001T', 'PO\tST', 'CONNECT', 'TRACE', 'PRI')
      .map((method) => ({
        name: `method ${JSON.stringify(method)}`,
        apply: (parts: RawParts): RawParts => ({ ...parts, method }),
      })),
    fc
      .constantFrom(
        'mcp',
        '/mcp\u0001',
        '*',
        'http://evil.example/mcp',
        '//evil.example/mcp',
        '/mcp#frag',
        `/${'a'.repeat(20_000)}`,
      )
      .map((path) => ({
        name: `request target ${JSON.stringify(path.slice(0, 40))}`,
        apply: (parts: RawParts): RawParts => ({ ...parts, target: path }),
      })),
  )
  .map((broken) => Object.assign(broken, { [fc.toStringMethod]: () => broken.name }));

/** Reads one exchange, turning a hang into a failure that says what came. */
async function exchangeOrFail(
  port: number,
  bytes: Buffer,
  heads: boolean[],
): Promise<WireExchange> {
  try {
    return await exchange(port, bytes, { expect: heads.length, heads, timeoutMs: HANG_MS });
  } catch (error) {
    if (error instanceof WireTimeout) return error.partial;
    throw error;
  }
}

describe('every stage on the wire', () => {
  it(
    'every request with malformed HTTP framing or header bytes gets an answer with a JSON-RPC error body (or a JSON-RPC answer), never a bare status, a silent close or a hang',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...targets), corruption, async (target, broken) => {
          const parts = broken.apply(goodPost(target), target);
          const exchanged = await exchangeOrFail(target.port, render(parts), [false]);
          const [response] = exchanged.responses;
          if (!response) {
            throw new Error(
              `${target.name}, ${broken.name}: ${exchanged.closed ? 'the connection closed without an answer' : `no answer within ${HANG_MS} ms (a hang)`}`,
            );
          }
          const mark = bugs.mark;
          checkAnswer(asResolved(parts), answerOf(response), {
            answersInline: target.name !== 'stage 02',
            sessionRevision: target.sessionRevision,
          });
          bugs.expectNoneSince(mark);
        }),
        fuzzParameters(150),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it(
    'HEAD on every path of every stage is answered without a body and its response ends, so the connection serves the next request',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...targets),
          fc.nat(20),
          fc.constantFrom(ACCEPT_BOTH, 'text/event-stream', '*/*'),
          fc.boolean(),
          async (target, pathIndex, accept, withSession) => {
            const path = target.paths[pathIndex % target.paths.length]!;
            const host = `127.0.0.1:${target.port}`;
            const headers: Array<[string, string]> = [
              ['Host', host],
              ['Accept', accept],
              ...target.headers.filter(([name]) => withSession && name === 'Mcp-Session-Id'),
            ];
            const head = `HEAD ${path} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
            const next = `GET /after-head HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
            const mark = bugs.mark;
            const exchanged = await exchangeOrFail(
              target.port,
              Buffer.from(head + next, 'latin1'),
              [true, false],
            );
            const [answer, after] = exchanged.responses;
            const where = `${target.name}, HEAD ${path}`;
            if (!answer) throw new Error(`${where}: no answer within ${HANG_MS} ms (a hang)`);
            checkAnswer({ method: 'HEAD', path, headers }, answerOf(answer), {
              answersInline: false,
              head: true,
              sessionRevision: target.sessionRevision,
            });
            if (!after && !(exchanged.closed && answer.headers.connection === 'close')) {
              throw new Error(
                `${where}: answered ${answer.status}, but the response never ended: the next request on the connection got no answer within ${HANG_MS} ms`,
              );
            }
            bugs.expectNoneSince(mark);
          },
        ),
        fuzzParameters(80),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it(
    'a body declared larger than the limit is refused with 413 and a JSON-RPC error before it is sent',
    async () => {
      const limit = BigInt(DEFAULT_LIMITS.maxBodyBytes);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...targets),
          fc.oneof(
            fc.constantFrom(limit + 1n, 10n ** 12n, BigInt(Number.MAX_SAFE_INTEGER)),
            fc.bigInt({ min: limit + 1n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
          ),
          fc.constantFrom(undefined, 'gzip', 'identity', 'br'),
          fc.boolean(),
          fc.constantFrom('', '{', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"'),
          async (target, length, coding, expectContinue, start) => {
            const parts: RawParts = {
              ...goodPost(target),
              body: Buffer.from(start),
              plain: Buffer.from(start),
              noLength: true,
            };
            parts.headers = [
              ...parts.headers,
              ['Content-Length', String(length)],
              ...(coding === undefined ? [] : [['Content-Encoding', coding] as [string, string]]),
              ...(expectContinue ? [['Expect', '100-continue'] as [string, string]] : []),
            ];
            const mark = bugs.mark;
            const exchanged = await exchangeOrFail(target.port, render(parts), [false]);
            const [response] = exchanged.responses;
            if (!response) {
              throw new Error(
                `${target.name}, Content-Length ${length}: ${exchanged.closed ? 'the connection closed without an answer' : `no answer within ${HANG_MS} ms while the server waits for a body it must refuse`}`,
              );
            }
            checkAnswer(asResolved(parts), answerOf(response), { answersInline: true });
            if (response.status !== 413) {
              throw new Error(
                `${target.name}, Content-Length ${length}: answered ${response.status}, not 413`,
              );
            }
            bugs.expectNoneSince(mark);
          },
        ),
        fuzzParameters(40),
      );
    },
    FUZZ_TEST_TIMEOUT_MS,
  );
});

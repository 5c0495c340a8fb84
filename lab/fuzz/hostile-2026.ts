/**
 * Hostile requests of revision 2026-07-28, each with the verdict the spec owes
 * it: a request whose `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` and
 * `Mcp-Param-*` headers agree with its body, or disagree, or name a version the
 * server does not speak.
 *
 * Teaches: the header rules as data. Every header is drawn as one of a few
 * choices (right as is, right in Base64, absent, another value, malformed),
 * and the choice decides the verdict by the spec's rules alone, without asking
 * the server's code: any disagreement is refused with 400 and -32020 (the
 * request never runs), an unsupported version with 400 and -32022, and a
 * request whose headers all agree is never refused as a mismatch. Choices the
 * spec leaves open (an argument of the wrong type, a raw non-ASCII value, a
 * Base64 `Mcp-Method`) make the verdict `either`, checked only by the
 * oracle's general rules. `_meta` is drawn the same way: its version and
 * capabilities right, missing, of the wrong type, or buried in junk.
 * Read next: ../../shared/http/request-metadata.ts, the server's side of these
 * rules; stage-03-revision-2026.test.ts, the property.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#request-metadata
 * @module
 */
import fc from 'fast-check';
import type { Tool } from '../../shared/protocol/tools.ts';
import { HANDSHAKE_VERSIONS, MetaKey } from '../../shared/protocol/versions.ts';
import {
  described,
  headerValue,
  hostileString,
  junkText,
  objectText,
  origin,
  type HostileRequest,
} from './hostile.ts';

/**
 * A tool with one parameter of each type a header may mirror: the requests
 * below call it, so its schema is part of the generator's knowledge.
 */
export const ROUTED_TOOL: Tool<never> = {
  name: 'routed',
  description: 'Routes by region, shard and flag, each mirrored in an Mcp-Param header.',
  inputSchema: {
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      shard: { type: 'integer', 'x-mcp-header': 'Shard' },
      flag: { type: 'boolean', 'x-mcp-header': 'Flag' },
    },
  },
  run: () => Promise.resolve({ content: [{ type: 'text', text: 'routed' }] }),
};

/** What the server owes a generated 2026-07-28 request. */
export type Verdict2026 =
  /** Every header agrees with the body: never refused with -32020. */
  | 'match'
  /** A header disagrees, is missing or malformed: 400 and -32020, the request never runs. */
  | 'mismatch'
  /** `MCP-Protocol-Version` names no revision the server speaks: 400 and -32022. */
  | 'unsupported-version'
  /** The spec leaves it open: only the oracle's general rules apply. */
  | 'either';

/** A generated 2026-07-28 request, with its verdict and why. */
export interface Request2026 extends HostileRequest {
  /** What the server owes it. */
  verdict: Verdict2026;
  /** Which header choices led there, for the counterexample. */
  why: string[];
  /** Every header agrees and the request is one the server serves: it must get a 200 and a result. */
  served: boolean;
}

/** How one header is sent. */
type Choice = 'right' | 'base64' | 'absent' | 'wrong' | 'malformed';

const choice = (): fc.Arbitrary<Choice> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constant<Choice>('right') },
    { weight: 2, arbitrary: fc.constant<Choice>('base64') },
    { weight: 3, arbitrary: fc.constantFrom<Choice>('absent', 'wrong', 'malformed') },
  );

/** What may stand in a header as is (request-metadata.ts's rule, which is the spec's). */
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/;
const SENTINEL = /^=\?base64\?.*\?=$/s;
/**
 * Whether a value can be mirrored at all: a lone surrogate has no UTF-8 form,
 * so no header, plain or Base64, carries it, and what the spec owes is open.
 */
const mirrorable = (value: string) => !/[\ud800-\udfff]/u.test(value);
const base64 = (value: string) => `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
/** A value as a client sends it: as is when plain, in Base64 otherwise. */
const encoded = (value: string) =>
  PLAIN.test(value) && !SENTINEL.test(value) ? value : base64(value);
/** Values no decoder may accept: Base64 that is not Base64, Base64 that is not UTF-8. */
const MALFORMED = ['=?base64?!!!!?=', '=?base64?/w==?=', '=?base64?AAA?='];

/** The `_meta` of a 2026-07-28 request, and what it holds. */
interface MetaDraft {
  /** The member text, or `undefined` for no `_meta`. */
  text: string | undefined;
  /** Its `protocolVersion`, when a string. */
  version: string | undefined;
  /** It has a 2026 field (which makes the request per-request without a version header). */
  has2026Field: boolean;
  /** Both required fields are there, of their type, and the version is 2026-07-28. */
  wellFormed: boolean;
}

const metaDraft: fc.Arbitrary<MetaDraft> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        version: fc.oneof(
          { weight: 10, arbitrary: fc.constant('"2026-07-28"') },
          {
            weight: 2,
            arbitrary: fc.constantFrom(
              '"2025-11-25"',
              '"2026-07-29"',
              '" 2026-07-28"',
              '""',
              '20260728',
              'null',
              '{}',
              '[]',
            ),
          },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        capabilities: fc.oneof(
          { weight: 10, arbitrary: fc.constant('{}') },
          {
            weight: 2,
            arbitrary: fc.constantFrom(
              '{"sampling":{},"roots":{"listChanged":true}}',
              '{"__proto__":{"admin":true}}',
              '"all"',
              '[]',
              'null',
              '1',
            ),
          },
          { weight: 1, arbitrary: junkText },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        extra: fc.array(fc.tuple(hostileString, junkText), { maxLength: 2 }),
      })
      .map(({ version, capabilities, extra }): MetaDraft => {
        const members: Array<[string, string]> = [
          ...(version === undefined
            ? []
            : [[MetaKey.protocolVersion, version] as [string, string]]),
          ...(capabilities === undefined
            ? []
            : [[MetaKey.clientCapabilities, capabilities] as [string, string]]),
          ...extra,
        ];
        const parsedVersion = version === undefined ? undefined : (JSON.parse(version) as unknown);
        const parsedCapabilities =
          capabilities === undefined ? undefined : (JSON.parse(capabilities) as unknown);
        return {
          text: objectText(members),
          version: typeof parsedVersion === 'string' ? parsedVersion : undefined,
          has2026Field: members.some(
            ([key]) => key === MetaKey.protocolVersion || key === MetaKey.clientCapabilities,
          ),
          wellFormed:
            parsedVersion === '2026-07-28' &&
            typeof parsedCapabilities === 'object' &&
            parsedCapabilities !== null &&
            !Array.isArray(parsedCapabilities),
        };
      }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<MetaDraft>(
      { text: undefined, version: undefined, has2026Field: false, wellFormed: false },
      { text: '"2026-07-28"', version: undefined, has2026Field: false, wellFormed: false },
      { text: '[]', version: undefined, has2026Field: false, wellFormed: false },
      { text: 'null', version: undefined, has2026Field: false, wellFormed: false },
    ),
  },
);

/** One argument of `routed`, and how its header is sent. */
interface RoutedArgument {
  /** The argument as JSON text, or `undefined` for absent. */
  text: string | undefined;
  /** The header value, or `undefined` for no header. */
  header: string | undefined;
  /** What the pair is owed. */
  verdict: Verdict2026;
  why: string;
}

function routedArgument(
  name: 'Region' | 'Shard' | 'Flag',
  value: fc.Arbitrary<unknown>,
  canonical: (value: unknown) => string | undefined,
  wrong: (value: unknown) => string,
): fc.Arbitrary<RoutedArgument> {
  return fc
    .record({ value, how: choice(), fraction: fc.boolean(), bad: fc.constantFrom(...MALFORMED) })
    .map(({ value: v, how, fraction, bad }): RoutedArgument => {
      const text = v === undefined ? undefined : JSON.stringify(v);
      const sent = canonical(v);
      const why = `${name}: ${how} for ${text ?? 'no argument'}`;
      if (v === undefined || v === null) {
        // "Parameter value is null / not in arguments: the client MUST omit the header."
        if (how === 'right' || how === 'absent' || how === 'base64')
          return { text, header: undefined, verdict: 'match', why };
        return { text, header: how === 'wrong' ? encoded('x') : bad, verdict: 'mismatch', why };
      }
      if (sent === undefined) {
        // An argument of the wrong type for the schema: what its header should be is not settled.
        return {
          text,
          header:
            how === 'absent' ? undefined : encoded(typeof v === 'string' ? v : JSON.stringify(v)),
          verdict: 'either',
          why,
        };
      }
      switch (how) {
        case 'right':
          // An integer may be written with a fraction of zeros: "42.0 and 42 are considered equal".
          return {
            text,
            header: name === 'Shard' && fraction ? `${sent}.0` : encoded(sent),
            verdict: 'match',
            why,
          };
        case 'base64':
          return { text, header: base64(sent), verdict: 'match', why };
        case 'absent':
          return { text, header: undefined, verdict: 'mismatch', why };
        case 'wrong':
          return { text, header: wrong(v), verdict: 'mismatch', why };
        default:
          return { text, header: bad, verdict: 'mismatch', why };
      }
    });
}

const region = routedArgument(
  'Region',
  fc.oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/) },
    { weight: 2, arbitrary: hostileString.filter((text) => text.length < 2_000) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('=?base64?ZWNobw==?=', ' eu ', 'é', undefined, null, 5),
    },
  ),
  (v) => (typeof v === 'string' && mirrorable(v) ? v : undefined),
  (v) => encoded(`${String(v)}x`),
);

const shard = routedArgument(
  'Shard',
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        0,
        undefined,
        null,
        4.5,
        '42',
        2 ** 60,
      ),
    },
  ),
  (v) => (Number.isSafeInteger(v) ? String(v) : undefined),
  (v) => {
    const n = v as number;
    // Another number, or text that is not a decimal integer though a lax parser (Number()) reads it as this one.
    return [String(n + 1), `0x${n.toString(16)}`, `+${n}`, ''][Math.abs(n) % 4]!;
  },
);

const flag = routedArgument(
  'Flag',
  fc.oneof(
    { weight: 4, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 'true', 1) },
  ),
  (v) => (typeof v === 'boolean' ? String(v) : undefined),
  (v) => String(!(v as boolean)),
);

/** What the request asks for: its method, its name (when the method has one), its arguments. */
interface Target {
  method: string;
  /** `params.name` or `params.uri` as JSON text; undefined for none. */
  nameText?: string | undefined;
  /** The name `Mcp-Name` mirrors, when it is a string. */
  name?: string | undefined;
  /** `arguments` as JSON text. */
  argumentsText?: string | undefined;
  /** The routed tool's argument headers. */
  routed?: RoutedArgument[];
  /** The server serves it when every header agrees and `_meta` is well-formed. */
  servable: boolean;
  /** Which params key carries the name. */
  nameKey?: 'name' | 'uri';
}

const target: fc.Arbitrary<Target> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<Target>(
      { method: 'tools/list', servable: true },
      { method: 'server/discover', servable: true },
    ),
  },
  {
    weight: 3,
    arbitrary: hostileString
      .filter((text) => text.length < 1_000)
      .map((text): Target => ({
        method: 'tools/call',
        nameKey: 'name',
        nameText: '"echo"',
        name: 'echo',
        argumentsText: objectText([['text', JSON.stringify(text)]]),
        servable: true,
      })),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(region, shard, flag).map((routed): Target => {
      const members = (['region', 'shard', 'flag'] as const).flatMap((key, i) => {
        const text = routed[i]!.text;
        return text === undefined ? [] : [[key, text] as [string, string]];
      });
      return {
        method: 'tools/call',
        nameKey: 'name',
        nameText: '"routed"',
        name: 'routed',
        argumentsText: objectText(members),
        routed,
        servable: routed.every((argument) => argument.verdict === 'match'),
      };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        method: fc.constantFrom('tools/call', 'prompts/get', 'resources/read'),
        // Short enough for a header: a header section over the server's limit is wire.test.ts's case.
        name: fc
          .oneof(
            hostileString.map((s) => JSON.stringify(s)),
            junkText,
          )
          .filter((text) => text.length < 2_000),
      })
      .map(({ method, name }): Target => {
        const parsed = JSON.parse(name) as unknown;
        return {
          method,
          nameKey: method === 'resources/read' ? 'uri' : 'name',
          nameText: name,
          name: typeof parsed === 'string' ? parsed : undefined,
          servable: false,
        };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('initialize', 'ping', 'logging/setLevel', 'nope', 'notifications/progress')
      .map((method): Target => ({ method, servable: false })),
  },
);

/** Methods an `Mcp-Method` may wrongly name. */
const OTHER_METHODS = ['tools/list', 'tools/call', 'server/discover', 'initialize', 'x'];

/**
 * Revision 2026-07-28 requests with their verdicts: the body a client would
 * send (with any `_meta`), and each header right, in Base64, absent, wrong or
 * malformed.
 *
 * @example
 * ```ts
 * fc.asyncProperty(request2026, async (request) => { ... request.verdict ... });
 * ```
 */
export const request2026: fc.Arbitrary<Request2026> = fc
  .record({
    id: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.string({ maxLength: 8 })),
    target,
    meta: metaDraft,
    versionHow: fc.oneof(
      { weight: 12, arbitrary: fc.constant('right' as const) },
      { weight: 2, arbitrary: fc.constant('unsupported' as const) },
      { weight: 1, arbitrary: fc.constantFrom('absent' as const, 'handshake' as const) },
    ),
    unsupported: fc.oneof(
      fc.constantFrom(
        '2026-07-29',
        '2024-01-01',
        'latest',
        '',
        '2026-07-28, 2025-11-25',
        '2026-7-28',
      ),
      headerValue(12),
    ),
    handshake: fc.constantFrom(...HANDSHAKE_VERSIONS),
    methodHow: fc.oneof(
      { weight: 10, arbitrary: fc.constant<Choice>('right') },
      { weight: 3, arbitrary: fc.constantFrom<Choice>('absent', 'wrong', 'malformed') },
      { weight: 1, arbitrary: fc.constant<Choice>('base64') },
    ),
    nameHow: choice(),
    otherMethod: fc.constantFrom(...OTHER_METHODS),
    badName: fc.constantFrom(...MALFORMED),
    stray: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.tuple(
          fc.constantFrom('Mcp-Name', 'Mcp-Param-Region', 'Mcp-Param-Other'),
          headerValue(12),
        ),
      },
    ),
    // Rarely: a foreign Origin is refused before any header is compared.
    origin: fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: origin },
    ),
  })
  .map((parts): Request2026 => {
    const { id, target: t, meta } = parts;
    const why: string[] = [];
    const verdicts: Verdict2026[] = [];
    const headers: Array<[string, string]> = [
      ['Content-Type', 'application/json'],
      ['Accept', 'application/json, text/event-stream'],
    ];

    // MCP-Protocol-Version
    let version: string | undefined;
    if (parts.versionHow === 'right') version = '2026-07-28';
    else if (parts.versionHow === 'handshake') version = parts.handshake;
    else if (parts.versionHow === 'unsupported') {
      version = parts.unsupported;
      // A value that is a revision after all (surrounding spaces are trimmed) is no unsupported one.
      if (HANDSHAKE_VERSIONS.includes(version.trim() as never) || version.trim() === '2026-07-28')
        version = '2026-07-28';
    }
    if (version !== undefined) headers.push(['MCP-Protocol-Version', version]);
    why.push(`MCP-Protocol-Version: ${version ?? 'absent'}`);

    // Mcp-Method
    const methodHeader = {
      right: t.method,
      base64: base64(t.method),
      absent: undefined,
      wrong: parts.otherMethod === t.method ? `${t.method}x` : parts.otherMethod,
      // Another case: header values compare exactly.
      malformed: t.method.toUpperCase(),
    }[parts.methodHow];
    if (methodHeader !== undefined) headers.push(['Mcp-Method', methodHeader]);
    verdicts.push(
      parts.methodHow === 'right' ? 'match' : parts.methodHow === 'base64' ? 'either' : 'mismatch',
    );
    why.push(`Mcp-Method: ${parts.methodHow}`);

    // Mcp-Name, for the methods that have a name (a string one)
    if (t.name !== undefined) {
      const nameHeader = {
        right: encoded(t.name),
        base64: base64(t.name),
        absent: undefined,
        wrong: encoded(`${t.name}x`),
        malformed: parts.badName,
      }[parts.nameHow];
      if (nameHeader !== undefined) headers.push(['Mcp-Name', nameHeader]);
      verdicts.push(
        !mirrorable(t.name)
          ? 'either'
          : parts.nameHow === 'right' || parts.nameHow === 'base64'
            ? 'match'
            : 'mismatch',
      );
      why.push(`Mcp-Name: ${parts.nameHow}`);
    } else if (parts.stray?.[0] === 'Mcp-Name') {
      headers.push(parts.stray);
      verdicts.push('either');
      why.push('Mcp-Name: stray');
    }

    // Mcp-Param-*, for routed
    for (const [i, argument] of (t.routed ?? []).entries()) {
      const header = ['Region', 'Shard', 'Flag'][i]!;
      if (argument.header !== undefined) headers.push([`Mcp-Param-${header}`, argument.header]);
      verdicts.push(argument.verdict);
      why.push(argument.why);
    }
    if (parts.stray !== undefined && parts.stray[0] !== 'Mcp-Name' && t.name !== 'routed') {
      headers.push(parts.stray);
      verdicts.push('either');
      why.push(`${parts.stray[0]}: stray`);
    }

    // _meta: a version in it that is not the header's is a mismatch too.
    if (meta.version !== undefined && version !== undefined && meta.version !== version) {
      verdicts.push('mismatch');
      why.push(`_meta protocolVersion ${JSON.stringify(meta.version)} against the header`);
    }

    let verdict: Verdict2026;
    // A foreign Origin is refused (403) before any of this is looked at.
    if (parts.origin !== undefined && parts.origin.kind !== 'same') verdict = 'either';
    else if (parts.versionHow === 'unsupported' && version !== '2026-07-28')
      verdict = 'unsupported-version';
    else if (parts.versionHow === 'handshake') verdict = 'either';
    else if (parts.versionHow === 'absent') verdict = meta.has2026Field ? 'mismatch' : 'either';
    else if (verdicts.includes('mismatch')) verdict = 'mismatch';
    else if (verdicts.includes('either')) verdict = 'either';
    else verdict = 'match';

    const params: Array<[string, string]> = [];
    if (t.nameText !== undefined) params.push([t.nameKey ?? 'name', t.nameText]);
    if (t.argumentsText !== undefined) params.push(['arguments', t.argumentsText]);
    if (meta.text !== undefined) params.push(['_meta', meta.text]);
    const body = Buffer.from(
      objectText([
        ['jsonrpc', '"2.0"'],
        ['id', JSON.stringify(id)],
        ['method', JSON.stringify(t.method)],
        ['params', objectText(params)],
      ]),
      'utf8',
    );
    return described<Request2026>({
      method: 'POST',
      path: '/mcp',
      headers,
      origin: parts.origin,
      body,
      plain: body,
      verdict,
      why,
      served: verdict === 'match' && meta.wellFormed && t.servable,
    });
  });

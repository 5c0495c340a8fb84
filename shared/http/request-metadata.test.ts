// The 2026-07-28 header rules on their own: value encoding, x-mcp-header
// constraints, and the headers a client builds for a request.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../protocol/jsonrpc.ts';
import {
  decodeHeaderValue,
  encodeHeaderValue,
  headerMismatch,
  mirroredParameters,
  requestHeaders,
} from './request-metadata.ts';

describe('value encoding', () => {
  // The spec's own examples (2026-07-28, "Value Encoding").
  it.each([
    ['us-west1', 'us-west1'],
    ['Hello, 世界', '=?base64?SGVsbG8sIOS4lueVjA==?='],
    [' padded ', '=?base64?IHBhZGRlZCA=?='],
    ['line1\nline2', '=?base64?bGluZTEKbGluZTI=?='],
    ['=?base64?literal?=', '=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?='],
  ])(
    'encodes %j as %j, and decodes it back (spec: r2026-client-base64-unsafe-values, r2026-client-base64-sentinel-lookalike, r2026-base64-markers-exact)',
    (value, encoded) => {
      expect(encodeHeaderValue(value)).toBe(encoded);
      expect(decodeHeaderValue(encoded)).toBe(value);
    },
  );

  it('keeps a leading U+FEFF through Base64, so the header still equals the value it mirrors (found by the fuzzer)', () => {
    const value = '\ufeffregion';
    expect(decodeHeaderValue(encodeHeaderValue(value))).toBe(value);
  });

  it.each(['=?base64?SGVsbG8?=', '=?base64?SGVs!!!bG8=?=', '=?base64?/w==?=', 'caf\u00e9'])(
    'refuses the malformed value %j',
    (raw) => {
      expect(decodeHeaderValue(raw)).toBeUndefined();
    },
  );
});

describe('x-mcp-header', () => {
  const schema = (properties: JsonObject): JsonObject => ({ type: 'object', properties });

  it('finds marked parameters, nested ones included, with their path', () => {
    expect(
      mirroredParameters(
        schema({
          region: { type: 'string', 'x-mcp-header': 'Region' },
          options: {
            type: 'object',
            properties: { dryRun: { type: 'boolean', 'x-mcp-header': 'Dry-Run' } },
          },
        }),
      ),
    ).toEqual([
      { header: 'Region', path: ['region'], type: 'string' },
      { header: 'Dry-Run', path: ['options', 'dryRun'], type: 'boolean' },
    ]);
  });

  it.each([
    ['a number (only string, integer and boolean)', { n: { type: 'number', 'x-mcp-header': 'N' } }],
    ['a name that is not a header token', { a: { type: 'string', 'x-mcp-header': 'Bad Name' } }],
    [
      'a name used twice, in any case',
      { a: { type: 'string', 'x-mcp-header': 'X' }, b: { type: 'string', 'x-mcp-header': 'x' } },
    ],
  ])(
    'refuses %s (spec: r2026-x-mcp-header-token, r2026-x-mcp-header-unique, r2026-x-mcp-header-primitive-only)',
    (_case, properties) => {
      expect(() => mirroredParameters(schema(properties))).toThrow();
    },
  );

  // [spec 2026-07-28] "The chain MUST NOT pass through items (or any other array keyword),
  // composition keywords (oneOf, anyOf, allOf, not), conditional keywords (if/then/else), or $ref."
  const marked = { type: 'string', 'x-mcp-header': 'Region' };
  it.each([
    ['under items', { list: { type: 'array', items: marked } }],
    ['under prefixItems', { pair: { type: 'array', prefixItems: [marked] } }],
    ['under anyOf', { region: { anyOf: [marked, { type: 'null' }] } }],
    ['under oneOf', { region: { oneOf: [marked] } }],
    ['under allOf', { region: { allOf: [marked] } }],
    ['under not', { region: { not: marked } }],
    ['under if/then/else', { region: { if: { type: 'string' }, then: marked } }],
    ['under additionalProperties', { tags: { type: 'object', additionalProperties: marked } }],
  ])(
    'refuses an annotation %s: only a chain of properties keys reaches a header (2026-07-28) (spec: r2026-x-mcp-header-statically-reachable, r2026-x-mcp-header-no-array-composition-ref)',
    (_case, properties) => {
      expect(() => mirroredParameters(schema(properties))).toThrow(/statically reachable/);
    },
  );

  it('refuses an annotation in a $ref target: $defs is not reached through properties (2026-07-28) (spec: r2026-x-mcp-header-no-array-composition-ref)', () => {
    expect(() =>
      mirroredParameters({
        type: 'object',
        $defs: { region: marked },
        properties: { region: { $ref: '#/$defs/region' } },
      }),
    ).toThrow(/statically reachable/);
  });

  it('refuses an annotation on the schema root, which is no parameter (2026-07-28)', () => {
    expect(() => mirroredParameters({ ...schema({}), 'x-mcp-header': 'All' })).toThrow();
  });

  it('does not mistake a parameter named x-mcp-header, or a default value, for an annotation', () => {
    expect(
      mirroredParameters(
        schema({
          'x-mcp-header': { type: 'string' },
          config: { type: 'object', default: { 'x-mcp-header': 'Not-A-Header' } },
        }),
      ),
    ).toEqual([]);
  });

  // [spec 2026-07-28] "Integer values MUST be within the safe range for JavaScript (−2^53+1 to 2^53−1)"
  it.each([
    ['a maximum beyond 2^53−1', { maximum: 2 ** 60 }],
    ['a minimum below −2^53+1', { minimum: -(2 ** 53) }],
    ['an exclusiveMaximum beyond 2^53', { exclusiveMaximum: 2 ** 54 }],
    ['an enum value beyond 2^53−1', { enum: [1, 2 ** 53] }],
    ['a const beyond 2^53−1', { const: 2 ** 53 }],
  ])(
    'refuses an integer parameter whose schema admits %s: header integers stay safe (2026-07-28) (spec: r2026-x-mcp-header-safe-integer)',
    (_case, bounds) => {
      const properties = { n: { type: 'integer', 'x-mcp-header': 'N', ...bounds } };
      expect(() => mirroredParameters(schema(properties))).toThrow(/safe/);
    },
  );

  it('accepts an integer parameter bounded inside the safe range, or not bounded at all', () => {
    const properties = {
      n: { type: 'integer', 'x-mcp-header': 'N', minimum: -(2 ** 53 - 1), maximum: 2 ** 53 - 1 },
      m: { type: 'integer', 'x-mcp-header': 'M' },
    };
    expect(mirroredParameters(schema(properties)).map((p) => p.header)).toEqual(['N', 'M']);
  });
});

describe('headerMismatch for an integer parameter', () => {
  const tool = {
    name: 'page',
    description: '',
    inputSchema: {
      type: 'object' as const,
      properties: { n: { type: 'integer', 'x-mcp-header': 'N' } },
    },
  };
  const call = (n: number) => ({
    jsonrpc: '2.0' as const,
    id: 1,
    method: 'tools/call',
    params: { name: 'page', arguments: { n } },
  });
  const check = (n: number, raw: string) =>
    headerMismatch(
      call(n),
      tool,
      (name) => ({ 'mcp-method': 'tools/call', 'mcp-name': 'page', 'mcp-param-n': raw })[name],
    );

  // [spec 2026-07-28] Server Validation: integers compare numerically ("42.0 and 42 are considered equal").
  it.each([
    [0, '0'],
    [42, '42'],
    [42, '42.0'],
    [-7, '-7'],
    [2 ** 53 - 1, '9007199254740991'],
  ])('accepts %j with the header %j (2026-07-28)', (n, raw) => {
    expect(check(n, raw)).toBeUndefined();
  });

  // [spec 2026-07-28] "Servers MUST reject requests where the values specified in the headers do not match".
  it.each([
    [0, ''],
    [0, '0x0'],
    [0, encodeHeaderValue(' 0')],
    [0, '0e0'],
    [0, '+0'],
    [42, '42.5'],
    [42, '43'],
    [2 ** 53 - 1, '9007199254740992'],
  ])('refuses %j with the header %j (2026-07-28)', (n, raw) => {
    expect(check(n, raw)).toMatch(/Mcp-Param-N/);
  });
});

describe('requestHeaders', () => {
  it('mirrors method, name and marked arguments, encoded, and omits absent ones (spec: r2026-standard-headers-required, r2026-client-supports-x-mcp-header, r2026-client-mirrors-x-mcp-header, r2026-client-encodes-param-values, r2026-client-tools-call-headers, r2026-client-param-header-when-set, r2026-client-omits-absent-param)', () => {
    const tool = {
      name: 'greet',
      description: '',
      inputSchema: {
        type: 'object' as const,
        properties: {
          greeting: { type: 'string', 'x-mcp-header': 'Greeting' },
          count: { type: 'integer', 'x-mcp-header': 'Count' },
          unused: { type: 'string', 'x-mcp-header': 'Unused' },
        },
      },
    };
    const request = {
      jsonrpc: '2.0' as const,
      id: 1,
      method: 'tools/call',
      params: { name: 'greet', arguments: { greeting: 'Hello, 世界', count: 42, unused: null } },
    };
    expect(requestHeaders(request, tool)).toEqual({
      'Mcp-Method': 'tools/call',
      'Mcp-Name': 'greet',
      'Mcp-Param-Greeting': '=?base64?SGVsbG8sIOS4lueVjA==?=',
      'Mcp-Param-Count': '42',
    });
  });
});

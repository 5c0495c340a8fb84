// The 2026-07-28 header rules on their own: value encoding, x-mcp-header
// constraints, and the headers a client builds for a request.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../protocol/jsonrpc.ts';
import {
  decodeHeaderValue,
  encodeHeaderValue,
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

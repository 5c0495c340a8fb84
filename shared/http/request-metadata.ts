/**
 * Request metadata headers of revision 2026-07-28: the parts of a JSON-RPC
 * body that a client mirrors into HTTP headers, and the server checks against
 * the body.
 *
 * Teaches: why a protocol of self-contained requests repeats itself. A load balancer or gateway
 * routes on headers without reading bodies (`Mcp-Method: tools/call`,
 * `Mcp-Name: search_issues`, `Mcp-Param-Region: eu-west1`). If header and body
 * could disagree, the balancer would route one request and the server run
 * another, so the server MUST refuse any mismatch (400, -32020). Values that
 * are not plain visible ASCII travel Base64-encoded as `=?base64?…?=`.
 * Implements: Streamable HTTP, revision 2026-07-28, "Request Metadata",
 * "Custom Headers from Tool Parameters", "Value Encoding", "Server Validation".
 * Read next: ../../03-streamable-http/revision-2026.ts (the server's checks),
 * ../../03-streamable-http/client-transport.ts (the client's headers).
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#request-metadata
 * @module
 */
import { isPlainObject, type JsonObject, type JsonRpcRequest } from '../protocol/jsonrpc.ts';
import type { ToolDefinition } from '../protocol/tools.ts';

/** The prefix of every tool-parameter header: `Mcp-Param-{Name}`. */
export const PARAM_HEADER_PREFIX = 'mcp-param-';

const SENTINEL = /^=\?base64\?(.*)\?=$/s;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** What may stand in a header value as is: visible ASCII and inner spaces or tabs. */
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/;
/** RFC 9110 `tchar`: what an `x-mcp-header` name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Encodes a value for a header: as is when it is plain visible ASCII,
 * otherwise (non-ASCII, control characters, surrounding spaces, or a value
 * that looks like the sentinel itself) as `=?base64?…?=`.
 *
 * @example
 * ```ts
 * encodeHeaderValue('us-west1');    // 'us-west1'
 * encodeHeaderValue('Hello, 世界'); // '=?base64?SGVsbG8sIOS4lueVjA==?='
 * ```
 */
export function encodeHeaderValue(value: string): string {
  if (PLAIN.test(value) && !SENTINEL.test(value)) return value;
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * Decodes a header value. `undefined` means malformed: bad Base64 inside the
 * sentinel, Base64 that is not UTF-8, or characters no header value may hold.
 */
export function decodeHeaderValue(raw: string): string | undefined {
  const match = SENTINEL.exec(raw);
  if (!match) return /^[\x20-\x7e\t]*$/.test(raw) ? raw : undefined;
  const base64 = match[1] ?? '';
  if (!STRICT_BASE64.test(base64)) return undefined;
  try {
    // ignoreBOM: a value that starts with U+FEFF keeps it; by default the decoder would drop it,
    // and the header would no longer equal the body it mirrors.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      Buffer.from(base64, 'base64'),
    );
  } catch {
    return undefined;
  }
}

/** One tool parameter mirrored into a header. */
export interface MirroredParameter {
  /** The `{Name}` of `Mcp-Param-{Name}`. */
  header: string;
  /** The chain of `properties` keys from the schema root to the parameter. */
  path: string[];
  /** The parameter's schema type, which decides how the header compares: integers as numbers. */
  type: 'string' | 'integer' | 'boolean';
}

/** Keywords whose values are data, not schemas: an `x-mcp-header` key inside them annotates nothing. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);
/** Keywords holding a map of name → schema; only `properties` extends the static chain. */
const SCHEMA_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);

/**
 * The parameters a tool's input schema marks with `x-mcp-header`.
 * @throws when an annotation breaks the spec's constraints (a client then
 *   drops the tool; a server should not offer it).
 */
export function mirroredParameters(inputSchema: JsonObject): MirroredParameter[] {
  const found: MirroredParameter[] = [];
  // `path` is the chain of `properties` keys that reached `schema`, or `undefined` once the walk
  // has left that chain (items, anyOf, $defs, …): an annotation there is no parameter.
  const walk = (schema: JsonObject, path: string[] | undefined): void => {
    for (const [keyword, value] of Object.entries(schema)) {
      if (keyword === 'x-mcp-header') {
        found.push(annotated(schema, value, path, found));
      } else if (SCHEMA_MAPS.has(keyword) && isPlainObject(value)) {
        for (const [name, child] of Object.entries(value)) {
          if (!isPlainObject(child)) continue;
          walk(child, keyword === 'properties' && path ? [...path, name] : undefined);
        }
      } else if (!DATA_KEYWORDS.has(keyword)) {
        for (const child of Array.isArray(value) ? value : [value]) {
          if (isPlainObject(child)) walk(child, undefined);
        }
      }
    }
  };
  walk(inputSchema, []);
  return found;
}

/** Checks one `x-mcp-header` annotation against the spec's constraints and describes its parameter. */
function annotated(
  schema: JsonObject,
  header: unknown,
  path: string[] | undefined,
  found: MirroredParameter[],
): MirroredParameter {
  const where = path ? `"${path.join('.')}"` : 'a schema';
  // [spec 2026-07-28] "reachable via a chain consisting solely of properties keys"; the root is no parameter.
  if (!path || path.length === 0) {
    throw new Error(`x-mcp-header on ${where} that is not statically reachable through properties`);
  }
  if (typeof header !== 'string' || !TOKEN.test(header)) {
    throw new Error(`x-mcp-header of ${where} is not a header name token`);
  }
  const { type } = schema;
  if (type !== 'string' && type !== 'integer' && type !== 'boolean') {
    throw new Error(`x-mcp-header may only mark a string, integer or boolean (${where})`);
  }
  if (type === 'integer' && admitsUnsafeInteger(schema)) {
    throw new Error(`x-mcp-header integer ${where} admits values beyond the safe integer range`);
  }
  if (found.some((other) => other.header.toLowerCase() === header.toLowerCase())) {
    throw new Error(`x-mcp-header "${header}" is used twice`);
  }
  return { header, path, type };
}

/**
 * Whether an integer schema names a value outside ±(2^53−1), the range a
 * header integer must stay in. A schema without bounds is allowed (the spec's
 * and the suite's own examples have none); one that declares an unsafe
 * bound, `const` or `enum` value promises values no header can carry exactly.
 */
function admitsUnsafeInteger(schema: JsonObject): boolean {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  const named: unknown[] = [
    schema.const,
    ...(Array.isArray(schema.enum) ? (schema.enum as unknown[]) : []),
  ];
  return (
    (typeof minimum === 'number' && minimum < Number.MIN_SAFE_INTEGER) ||
    (typeof maximum === 'number' && maximum > Number.MAX_SAFE_INTEGER) ||
    (typeof exclusiveMinimum === 'number' && exclusiveMinimum < Number.MIN_SAFE_INTEGER - 1) ||
    (typeof exclusiveMaximum === 'number' && exclusiveMaximum > Number.MAX_SAFE_INTEGER + 1) ||
    named.some((value) => typeof value === 'number' && !Number.isSafeInteger(value))
  );
}

/** The headers a client sends with a 2026-07-28 request: `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`. */
export function requestHeaders(
  request: JsonRpcRequest,
  tool: ToolDefinition | undefined,
): Record<string, string> {
  const headers: Record<string, string> = { 'Mcp-Method': request.method };
  const name = nameOf(request);
  if (name !== undefined) headers['Mcp-Name'] = encodeHeaderValue(name);
  if (request.method === 'tools/call' && tool) {
    const args = isPlainObject(request.params?.arguments) ? request.params.arguments : {};
    for (const parameter of mirroredParameters(tool.inputSchema)) {
      // "Parameter value is null / not in arguments: the client MUST omit the header."
      const value = headerText(valueAt(args, parameter.path));
      if (value !== undefined) headers[`Mcp-Param-${parameter.header}`] = encodeHeaderValue(value);
    }
  }
  return headers;
}

/**
 * Checks a 2026-07-28 request's metadata headers against its body.
 * @param header reads one request header (case-insensitive, trimmed), `undefined` when absent.
 * @returns why the request must be refused (400, -32020), or `undefined` when it matches.
 */
export function headerMismatch(
  request: JsonRpcRequest,
  tool: ToolDefinition | undefined,
  header: (name: string) => string | undefined,
): string | undefined {
  const method = header('mcp-method');
  if (method === undefined) return 'Mcp-Method header is required';
  if (method !== request.method)
    return `Mcp-Method header is "${method}", the body says "${request.method}"`;
  const name = nameOf(request);
  if (name !== undefined) {
    const raw = header('mcp-name');
    if (raw === undefined) return `Mcp-Name header is required for ${request.method}`;
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return 'Mcp-Name header is malformed';
    if (decoded !== name) return `Mcp-Name header is "${decoded}", the body says "${name}"`;
  }
  if (request.method !== 'tools/call' || !tool) return undefined;
  const args = isPlainObject(request.params?.arguments) ? request.params.arguments : {};
  for (const parameter of mirroredParameters(tool.inputSchema)) {
    const argument = valueAt(args, parameter.path);
    const value = headerText(argument);
    const raw = header(`${PARAM_HEADER_PREFIX}${parameter.header.toLowerCase()}`);
    if (value === undefined) {
      if (raw !== undefined)
        return `Mcp-Param-${parameter.header} is sent, but the argument is not`;
      continue;
    }
    if (raw === undefined)
      return `Mcp-Param-${parameter.header} header is required: the argument is set`;
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `Mcp-Param-${parameter.header} header is malformed`;
    const matches =
      parameter.type === 'integer' && typeof argument === 'number'
        ? sameInteger(decoded, argument)
        : decoded === value;
    if (!matches) return `Mcp-Param-${parameter.header} header does not match the argument`;
  }
  return undefined;
}

/** A decimal integer, optionally with a fraction of zeros: `42`, `-7`, `42.0`. */
const DECIMAL_INTEGER = /^(-?(?:0|[1-9][0-9]*))(?:\.0+)?$/;

/**
 * Whether an integer header names exactly the body's integer. [spec 2026-07-28]
 * "servers SHOULD compare the header value and the body value numerically
 * (e.g., 42.0 and 42 are considered equal)", and a client writes integers "in
 * decimal". So the header must be a decimal integer (a fraction of zeros
 * allowed) with the same value, compared exactly, as big integers, never
 * through `Number()`, which reads `""` and `" 0"` as 0, `"0x10"` as 16, and
 * rounds past 2^53. The body value must be a safe integer, as the spec asks.
 */
function sameInteger(header: string, value: number): boolean {
  const digits = DECIMAL_INTEGER.exec(header)?.[1];
  return digits !== undefined && Number.isSafeInteger(value) && BigInt(digits) === BigInt(value);
}

/** What `Mcp-Name` mirrors: the tool or prompt name, or the resource URI. */
function nameOf(request: JsonRpcRequest): string | undefined {
  const params = request.params ?? {};
  if (request.method === 'tools/call' || request.method === 'prompts/get') {
    return typeof params.name === 'string' ? params.name : undefined;
  }
  if (request.method === 'resources/read')
    return typeof params.uri === 'string' ? params.uri : undefined;
  return undefined;
}

function valueAt(args: JsonObject, path: string[]): unknown {
  let value: unknown = args;
  for (const key of path) value = isPlainObject(value) ? value[key] : undefined;
  return value;
}

/** A primitive argument as header text (booleans as `true`/`false`); `undefined` for null, absent or non-primitive. */
function headerText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

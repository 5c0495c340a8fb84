/**
 * JSON-RPC 2.0, the envelope every MCP message travels in, whatever the transport.
 *
 * Teaches: the four message shapes (request, notification, result, error), the
 * error codes a server must use, and how to turn untrusted bytes into a message
 * or into the exact error the peer is owed.
 * Implements: JSON-RPC 2.0 as MCP uses it; MCP "Base Protocol", revisions
 * 2024-11-05 to 2026-07-28 (batches only in 2025-03-26).
 * Read next: mcp-server.ts, which gives these messages their MCP meaning.
 * @see https://www.jsonrpc.org/specification
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index
 * @module
 */
import { limitRefusal, type Limits } from '../limits.ts';

/** A request id: a string or an integer, never `null` (MCP forbids it in every revision). */
export type RequestId = string | number;

/** A JSON object, the only shape MCP allows for `params` and `result`. */
export type JsonObject = { [key: string]: unknown };

/** A message that expects an answer: it carries an `id`. */
export interface JsonRpcRequest {
  /** Always `'2.0'`: a message without it is not JSON-RPC 2.0, and gets -32600. */
  jsonrpc: '2.0';
  /** Chosen by the sender; the response echoes it, which is how answers find their calls. */
  id: RequestId;
  /** What to do, such as `tools/call`; an unknown one gets -32601. */
  method: string;
  /** The method's arguments. MCP only ever uses an object here, never JSON-RPC's positional array. */
  params?: JsonObject;
}

/** A one-way message: no `id`, and the receiver MUST NOT answer it. */
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  /** What happened, such as `notifications/progress`; an unknown one is ignored, never answered. */
  method: string;
  params?: JsonObject;
}

/** A successful answer; it echoes the request's `id`. */
export interface JsonRpcResultResponse {
  jsonrpc: '2.0';
  id: RequestId;
  /** The method's outcome; in 2026-07-28 it also carries `resultType`. */
  result: JsonObject;
}

/** The `error` member of an error response. */
export interface JsonRpcErrorObject {
  /** One of the {@link ErrorCode} values; clients branch on this, never on the message. */
  code: number;
  /** A short sentence for people and logs. */
  message: string;
  /** Details a client can act on, such as `supported` versions for -32022. */
  data?: unknown;
}

/**
 * A failed answer. `id` is `null` when the request's id could not be read
 * (a parse error, or a body that is not a request at all). On the wire,
 * 2025-11-25 and later leave such an `id` out instead (errors.ts decides
 * which, `checkMessage` reads both as `null`).
 */
export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: JsonRpcErrorObject;
}

/** A result or an error: what answers a request. */
export type JsonRpcResponse = JsonRpcResultResponse | JsonRpcErrorResponse;

/** Any single JSON-RPC message. */
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/**
 * The error codes the course uses: JSON-RPC's standard ones and MCP's own.
 *
 * @remarks -32020 to -32099 belong to the MCP specification from 2026-07-28 on;
 * application errors should stay outside -32768..-32000.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#error-codes
 */
export const ErrorCode = {
  /** The body is not valid JSON. */
  ParseError: -32700,
  /** Valid JSON, but not a JSON-RPC message. */
  InvalidRequest: -32600,
  /** No such method (or a method the revision in use does not have). */
  MethodNotFound: -32601,
  /** The method exists, its params do not fit (also: unknown tool, missing 2026 `_meta`). */
  InvalidParams: -32602,
  /** The server failed in a way the client cannot fix. */
  InternalError: -32603,
  /** 2026-07-28: an HTTP header disagrees with the body, is missing or malformed. */
  HeaderMismatch: -32020,
  /** 2026-07-28: the request needs a client capability the client did not declare. */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28: the request's protocol version is not one the server supports. */
  UnsupportedProtocolVersion: -32022,
} as const;

/**
 * An error a handler throws to answer with a specific JSON-RPC error instead of
 * the generic -32603.
 *
 * @example
 * ```ts
 * throw new JsonRpcError(ErrorCode.InvalidParams, 'Unknown tool: nope');
 * ```
 */
export class JsonRpcError extends Error {
  constructor(
    /** The JSON-RPC error code the response will carry, one of {@link ErrorCode}. */
    readonly code: number,
    message: string,
    /** Details for the client, sent as `error.data` (left out when undefined). */
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'JsonRpcError';
  }

  /** This error as the `error` member of a response. */
  toErrorObject(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** True for a request: a method and an id. */
export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return 'method' in message && 'id' in message;
}

/** True for a notification: a method and no id. */
export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return 'method' in message && !('id' in message);
}

/** True for a response, successful or not. */
export function isResponse(message: JsonRpcMessage): message is JsonRpcResponse {
  return !('method' in message);
}

/**
 * Builds an error response.
 *
 * @example
 * ```ts
 * errorResponse(null, ErrorCode.ParseError, 'Parse error');
 * // { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }
 * ```
 */
export function errorResponse(
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', id, error: new JsonRpcError(code, message, data).toErrorObject() };
}

/** One message read from a body, or the error owed for it. */
export type CheckedMessage =
  | {
      /** The body held one well-formed message. */
      ok: true;
      /** That message, ready to dispatch. */
      message: JsonRpcMessage;
    }
  | {
      /** The body did not hold a well-formed message. */
      ok: false;
      /** The error response the sender is owed, with the request's id when it could be read. */
      error: JsonRpcErrorResponse;
    };

/** What {@link parseJsonRpc} found in a body. */
export type ParsedBody =
  | (CheckedMessage & {
      /** One message, not an array. */
      batch: false;
    })
  /** A batch (2025-03-26 only): each entry is checked on its own. */
  | {
      /** The array itself was acceptable; its entries may still be invalid. */
      ok: true;
      /** The body was a JSON array of messages. */
      batch: true;
      /** Each entry's own verdict, in the order sent, so each gets its own answer. */
      entries: CheckedMessage[];
    };

/** Options for {@link parseJsonRpc}. */
export interface ParseOptions {
  /**
   * Accept a JSON array of messages. Only MCP 2025-03-26 has batches: it MUST
   * accept them, and 2025-06-18 removed them again.
   * @see https://modelcontextprotocol.io/specification/2025-03-26/basic#batching
   */
  allowBatch: boolean;
  /** The server's limits: `maxJsonDepth` bounds every message, batch entries included. */
  limits: Limits;
}

/**
 * Turns a raw body into a JSON-RPC message, or into the exact error owed for it.
 *
 * - not JSON → -32700 Parse error, `id: null`;
 * - JSON, but not one well-formed message → -32600 Invalid Request, with the
 *   request's id when it can be read and `null` otherwise;
 * - an array → a batch if `allowBatch` (each entry checked on its own, an empty
 *   array is itself invalid); otherwise -32600;
 * - a message nested deeper than `limits.maxJsonDepth` → the `maxJsonDepth`
 *   refusal (-32602), for the whole body, before anything walks it recursively.
 *
 * @example
 * ```ts
 * const parsed = parseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
 *   allowBatch: false,
 *   limits: DEFAULT_LIMITS,
 * });
 * if (parsed.ok && !parsed.batch) console.log(parsed.message); // the request
 * ```
 * @see https://www.jsonrpc.org/specification#error_object
 */
export function parseJsonRpc(
  body: string,
  options: ParseOptions & { allowBatch: false },
): ParsedBody & {
  /** Batches were not allowed, so the result is never one. */
  batch: false;
};
export function parseJsonRpc(body: string, options: ParseOptions): ParsedBody;
export function parseJsonRpc(body: string, options: ParseOptions): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    const error = errorResponse(
      null,
      ErrorCode.ParseError,
      'Parse error: the body is not valid JSON',
    );
    return { ok: false, batch: false, error };
  }
  // V8's JSON.parse is iterative, so a deep body parses; what runs on it later (cloning the
  // arguments, validating them against a schema) recurses, and would overflow the stack.
  const messages = Array.isArray(value) ? value : [value];
  if (messages.some((message) => depthExceeds(message, options.limits.maxJsonDepth))) {
    const refusal = limitRefusal('maxJsonDepth', options.limits);
    const id = Array.isArray(value) || !isPlainObject(value) ? null : readableId(value);
    const error = errorResponse(id, refusal.code, refusal.message, refusal.data);
    return { ok: false, batch: false, error };
  }
  if (!Array.isArray(value)) return { ...checkMessage(value), batch: false };
  if (!options.allowBatch) {
    return rejectBody('batches exist only in protocol version 2025-03-26');
  }
  if (value.length === 0) return rejectBody('an empty batch');
  return { ok: true, batch: true, entries: value.map(checkMessage) };
}

/**
 * True when `value` nests objects and arrays more than `max` levels deep (a
 * message object is one level, its `params` two, and so on). Iterative, with
 * its own stack of values to visit, so that no input can overflow the checker
 * it exists to protect.
 */
function depthExceeds(value: unknown, max: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > max) return true;
    for (const child of Object.values(next.value)) {
      pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}

function rejectBody(why: string): ParsedBody {
  return { ok: false, batch: false, error: invalid(null, why) };
}

function invalid(id: RequestId | null, why: string): JsonRpcErrorResponse {
  return errorResponse(id, ErrorCode.InvalidRequest, `Invalid Request: ${why}`);
}

/**
 * Checks that one parsed JSON value is a well-formed JSON-RPC message.
 *
 * @example
 * ```ts
 * checkMessage({ jsonrpc: '2.0', id: null, method: 'ping' });
 * // { ok: false, error: { jsonrpc: '2.0', id: null, error: { code: -32600, ... } } }
 * ```
 */
export function checkMessage(value: unknown): CheckedMessage {
  const reject = (id: RequestId | null, why: string): CheckedMessage => ({
    ok: false,
    error: invalid(id, why),
  });
  if (!isPlainObject(value)) return reject(null, 'a message must be a JSON object');
  if (isUnsafeInteger(value.id)) {
    // JSON.parse rounded it, so echoing it would answer another request's id. Rounding never
    // crosses 2^53 - 1, so an id beyond the safe range in the text is beyond it once parsed too.
    return reject(
      null,
      'a numeric id must be a safe integer (at most 2^53 - 1 in size); send a larger one as a string',
    );
  }
  const id = readableId(value);
  if (value.jsonrpc !== '2.0') return reject(id, 'jsonrpc must be "2.0"');

  if ('method' in value) {
    if (typeof value.method !== 'string') return reject(id, 'method must be a string');
    if ('params' in value && !isPlainObject(value.params)) {
      return reject(id, 'params must be an object');
    }
    if (!('id' in value)) return { ok: true, message: value as unknown as JsonRpcNotification };
    if (id === null) return reject(null, 'id must be a string or an integer (MCP forbids null)');
    return { ok: true, message: value as unknown as JsonRpcRequest };
  }

  if (!('id' in value)) {
    // [schema 2025-11-25+] An error for a request whose id could not be read may leave `id` out;
    // it is read here as `id: null`, the form of earlier revisions, so both mean the same.
    if (!('result' in value) && isErrorObject(value.error)) {
      return { ok: true, message: { ...value, id: null } as unknown as JsonRpcErrorResponse };
    }
    return reject(null, 'a message needs a method (request, notification) or an id (response)');
  }
  const hasResult = 'result' in value;
  if (hasResult === 'error' in value) {
    return reject(id, 'a response carries exactly one of result or error');
  }
  if (hasResult) {
    if (id === null) return reject(null, 'a result must echo its request id');
    if (!isPlainObject(value.result)) return reject(id, 'result must be an object');
    return { ok: true, message: value as unknown as JsonRpcResultResponse };
  }
  if (!isErrorObject(value.error)) {
    return reject(id, 'error must have an integer code and a string message');
  }
  if (value.id !== null && id === null)
    return reject(null, 'id must be a string, an integer or null');
  return { ok: true, message: value as unknown as JsonRpcErrorResponse };
}

/** An integer JavaScript cannot hold exactly: any number written beyond ±(2^53 - 1). */
function isUnsafeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);
}

function readableId(record: JsonObject): RequestId | null {
  const { id } = record;
  if (typeof id === 'string') return id;
  // An integer beyond the safe range was already rounded by JSON.parse: echoing it would name
  // another request, so it counts as unreadable.
  if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  return null;
}

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorObject(value: unknown): value is JsonRpcErrorObject {
  return isPlainObject(value) && Number.isInteger(value.code) && typeof value.message === 'string';
}

/**
 * Every limit a course server enforces, in one place, with defaults a
 * production server could keep: what a client may make the server hold, and
 * for how long.
 *
 * Teaches: that a server's memory, file descriptors and CPU are set by its
 * clients unless the server sets them first. Each limit bounds one thing a
 * client controls (the size of a body, of what a session stores, of what a
 * stream retains; how many sessions and streams it opens; how slowly it
 * reads), and each refusal says which limit it met, with the HTTP status and
 * the JSON-RPC error a client can act on.
 * Implements: no MCP rule; the spec leaves resource limits to the server
 * ("Security Warning" and "Security Considerations" of each transport page).
 * Read next: http/body.ts, the first limit a request meets.
 * @module
 */

/** The limits of one server; every field has a default in {@link DEFAULT_LIMITS}. */
export interface Limits {
  /** Largest request body in bytes: refused with 413 from `Content-Length`, before it is read. */
  maxBodyBytes: number;
  /** Deepest nesting of objects and arrays in a message (arguments, `_meta`, capabilities). */
  maxJsonDepth: number;
  /** Entries in one 2025-03-26 batch. */
  maxBatchSize: number;
  /** Bytes of what `initialize` makes a session keep: its capabilities and client info. */
  maxSessionStateBytes: number;
  /** Bytes of a `tools/call`'s arguments, serialised. */
  maxToolArgumentsBytes: number;
  /** Bytes of a tool's result, serialised; a larger one becomes a tool error. */
  maxToolResultBytes: number;
  /** Bytes of events one session retains for a resume, over all its streams. */
  maxRetainedBytesPerSession: number;
  /** Finished streams one session keeps for a late resume. */
  maxFinishedStreamsPerSession: number;
  /** Sessions one client address may hold open at once. */
  maxSessionsPerClient: number;
  /** Sessions the server holds in all. */
  maxSessions: number;
  /** SSE connections open at once for one session (its POST answers and its GET stream). */
  maxStreamsPerSession: number;
  /** SSE connections open at once from one client address, over all its sessions. */
  maxStreamsPerClient: number;
  /**
   * Bytes a stream may have waiting in its connection's buffer: a client that
   * stops reading holds that much at most, then its connection is ended.
   */
  maxBufferedBytesPerStream: number;
}

/**
 * The defaults, each far above what a well-behaved client of these servers
 * needs and far below what exhausts a small server:
 * - bodies of 1 MiB and arguments of 256 KiB hold any tool call a model makes;
 * - 64 levels of nesting hold any real schema or argument, and stay far from
 *   the stack depth that recursive code (cloning, validation) overflows at;
 * - a session's handshake state of 64 KiB holds capabilities and client info
 *   many times over;
 * - 8 MiB of retained events and 64 finished streams per session cover a
 *   client that comes back for the stream it lost, not for every answer ever;
 * - 100 sessions and 64 streams per address leave room for many clients
 *   behind one NAT, while one client alone cannot take the file descriptors
 *   (1,024 by default) that every other client needs;
 * - 4 MiB buffered per stream lets a slow reader catch up, not pin the heap.
 */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxBodyBytes: 1024 * 1024,
  maxJsonDepth: 64,
  maxBatchSize: 64,
  maxSessionStateBytes: 64 * 1024,
  maxToolArgumentsBytes: 256 * 1024,
  maxToolResultBytes: 1024 * 1024,
  maxRetainedBytesPerSession: 8 * 1024 * 1024,
  maxFinishedStreamsPerSession: 64,
  maxSessionsPerClient: 100,
  maxSessions: 10_000,
  maxStreamsPerSession: 16,
  maxStreamsPerClient: 64,
  maxBufferedBytesPerStream: 4 * 1024 * 1024,
};

/**
 * The defaults with a server's own choices on top.
 *
 * @example
 * ```ts
 * const limits = limitsWith({ maxSessionsPerClient: 10 });
 * ```
 */
export function limitsWith(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * The limits a request can be refused for. The others do not refuse: a tool
 * result over its limit becomes a tool error (`isError`), a session over its
 * retention forgets its oldest events, a stream over its buffer is ended.
 */
export type RefusingLimit = Exclude<
  keyof Limits,
  | 'maxToolResultBytes'
  | 'maxRetainedBytesPerSession'
  | 'maxFinishedStreamsPerSession'
  | 'maxBufferedBytesPerStream'
>;

/** A refusal for a limit: the HTTP status, and the JSON-RPC error that names the limit. */
export interface LimitRefusal {
  /** 413 for a body, 400 for a message's shape, 429 for what one client holds, 503 for the server's total. */
  status: number;
  /** -32602 where the request's params are too large or deep, -32600 otherwise. */
  code: number;
  /** Says which limit, and its value. */
  message: string;
  /** `{ limit, value }`: what a client (or its operator) can act on. */
  data: { limit: RefusingLimit; value: number };
}

const REFUSALS: Record<RefusingLimit, { status: number; code: number; what: string }> = {
  maxBodyBytes: { status: 413, code: -32600, what: 'the request body is too large' },
  maxJsonDepth: { status: 400, code: -32602, what: 'the message is nested too deeply' },
  maxBatchSize: { status: 400, code: -32600, what: 'the batch has too many entries' },
  maxSessionStateBytes: {
    status: 400,
    code: -32602,
    what: 'the capabilities and client info are too large for a session to keep',
  },
  maxToolArgumentsBytes: { status: 400, code: -32602, what: 'the tool arguments are too large' },
  maxSessionsPerClient: { status: 429, code: -32600, what: 'this client holds too many sessions' },
  maxSessions: { status: 503, code: -32600, what: 'the server holds too many sessions' },
  maxStreamsPerSession: {
    status: 429,
    code: -32600,
    what: 'this session has too many open streams',
  },
  maxStreamsPerClient: { status: 429, code: -32600, what: 'this client has too many open streams' },
};

/**
 * The refusal owed when a request meets `limit`.
 *
 * @example
 * ```ts
 * const refusal = limitRefusal('maxSessionsPerClient', limits);
 * // { status: 429, code: -32600, message: 'Too many: this client holds too many sessions (maxSessionsPerClient = 100)', data: { limit: 'maxSessionsPerClient', value: 100 } }
 * ```
 */
export function limitRefusal(limit: RefusingLimit, limits: Limits): LimitRefusal {
  const { status, code, what } = REFUSALS[limit];
  const value = limits[limit];
  return {
    status,
    code,
    message: `Limit exceeded: ${what} (${limit} = ${value})`,
    data: { limit, value },
  };
}

/**
 * The size of a value as it goes on the wire, the measure of every size limit:
 * the UTF-8 bytes of its JSON.
 * @throws what `JSON.stringify` throws for a value JSON cannot hold (a cycle, a BigInt).
 */
export function serialisedBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * The connection from a stage 03 instance to Redis, and what happens when
 * Redis is not there.
 *
 * Teaches: that a shared store is a new way to fail, and how to fail well.
 * Once sessions live in Redis, a request cannot be served while Redis is
 * unreachable. The wrong answers are to hang (a client queueing commands
 * until Redis returns) or to crash; the right one is to fail fast with a
 * clear `503 Service Unavailable`, keep reconnecting in the background, and
 * serve again as soon as Redis is back.
 * Implements: no MCP rule; HTTP's 503 for "temporarily unable to handle the request".
 * Read next: redis-event-store.ts and redis-sessions.ts, which use this connection.
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-503-service-unavailable
 * @module
 */
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  DisconnectsClientError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from '@redis/client';
import { StoreUnavailableError } from '../sessions.ts';

/** A connected Redis client, as `@redis/client` types it. */
export type RedisConnection = ReturnType<typeof createConnection>;

/** How long to wait between attempts to reach Redis again. */
export const RECONNECT_DELAY_MS = 250;

/**
 * Connects to Redis so that commands fail at once while it is unreachable
 * (instead of queueing until it returns) and the client keeps reconnecting.
 *
 * @param onError told once per outage, not once per failed reconnect.
 * @example
 * ```ts
 * const redis = await connectRedis('redis://127.0.0.1:6379', console.error);
 * await redis.ping(); // 'PONG'; or a StoreUnavailableError from the stores while Redis is down
 * ```
 */
export async function connectRedis(
  url: string,
  onError: (error: unknown) => void,
): Promise<RedisConnection> {
  const redis = createConnection(url);
  let down = false;
  // An 'error' event nobody listens to crashes the process: report the outage once instead.
  redis.on('error', (error: unknown) => {
    if (!down) onError(error);
    down = true;
  });
  redis.on('ready', () => (down = false));
  await redis.connect();
  return redis;
}

/**
 * Creates, without connecting, a client that fails at once while Redis is
 * unreachable and reconnects in the background. {@link connectRedis} is the
 * one to call; this exists to name the client's type.
 */
export function createConnection(url: string) {
  return createClient({
    url,
    // Without this, commands issued while disconnected wait in a queue: requests would hang.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => RECONNECT_DELAY_MS, connectTimeout: 2_000 },
  });
}

/** What `@redis/client` throws when Redis is not there: no connection, or no answer in time. */
const UNREACHABLE = [
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
];

/**
 * True for an error that says Redis cannot be reached right now: one of
 * `@redis/client`'s connection errors, or a socket's own (`ECONNREFUSED`,
 * `ECONNRESET`, …). Not an error Redis replied with, nor a value that could
 * not be serialised: those say the request or the code is wrong, and a retry
 * would fail the same way.
 */
export function isUnreachable(error: unknown): boolean {
  if (UNREACHABLE.some((type) => error instanceof type)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && code !== 'ERR';
}

/**
 * Runs a store operation, turning "Redis cannot be reached" into a
 * {@link StoreUnavailableError}, the retryable 503. Anything else passes
 * through unchanged: an error Redis replied with, a serialisation error, a
 * bug. Bad input must be refused before it gets here (a 4xx), never turned
 * into "try again later".
 */
export async function whileReachable<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isUnreachable(error)) throw new StoreUnavailableError(error);
    throw error;
  }
}
